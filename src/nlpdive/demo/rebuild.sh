#!/usr/bin/env bash
# Rebuilds the tour's bundled artifacts from the public datasets (see SOURCES.md), with nlpdive's own commands.
#   bash src/nlpdive/demo/rebuild.sh [sst2|vectors|en-fr|all]     (DATA=path/to/shared/data, default ../shared/data)
# Run from the repository root with .venv active (or NLPDIVE=path/to/nlpdive). Trained artifacts differ from the
# shipped ones in their last digits (two Hogwild threads; time budgets), not in what the tour shows.
set -euo pipefail
DATA=${DATA:-../shared/data}
NLPDIVE=${NLPDIVE:-nlpdive}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$(mktemp -d)}
what=${1:-all}

sst2() {  # GLUE SST-2 train (gzip) and dev, header text<TAB>label, labels 0/1 -> negative/positive
    for split in train dev; do
        awk -F'\t' 'NR == 1 {print "text\tlabel"; next} {sub(/ +$/, "", $1); print $1 "\t" ($2 == 1 ? "positive" : "negative")}' \
            "$DATA/sst2/$split.tsv" > "$WORK/sst2_$split.tsv"
    done
    gzip -9n -c "$WORK/sst2_train.tsv" > "$HERE/sst2_train.tsv.gz"
    cp "$WORK/sst2_dev.tsv" "$HERE/sst2_dev.tsv"
}

vectors() {  # word2vec on 10.6M words: WikiText-2 train, IMDB train reviews, Multi30k captions, Tatoeba English
    zcat "$DATA/imdb/train.csv.gz" | sed 's#<br */>#  #g' > "$WORK/imdb.csv"
    zcat "$DATA/tatoeba-en-fr/fra.txt.gz" | cut -f1 > "$WORK/tatoeba.en"
    $NLPDIVE text tokenize --lower --data "$DATA/wikitext2/wiki.train.tokens.gz" > "$WORK/corpus.txt"
    $NLPDIVE text tokenize --lower --data "$WORK/imdb.csv" --text-column text >> "$WORK/corpus.txt"
    $NLPDIVE text tokenize --lower --data "$DATA/multi30k/train.en" "$WORK/tatoeba.en" >> "$WORK/corpus.txt"
    $NLPDIVE train embeddings --data "$WORK/corpus.txt" --min-count 40 --epochs 10 --out "$WORK/w2v" --overwrite
    mkdir -p "$HERE/vectors"
    cp "$WORK/w2v/"{config.json,vocab.json,vectors.npy,norms.npy,metrics.json} "$HERE/vectors/"
}

en_fr() {  # a small English -> French Transformer on all of Tatoeba's pairs, 20 minutes on 2 CPU cores
    $NLPDIVE train translate --data "$DATA/tatoeba-en-fr/fra.txt.gz" --vocab-size 4000 --d-model 128 --heads 4 \
        --layers 3 --d-ff 512 --time-budget 1200 --out "$WORK/en-fr" --overwrite
    mkdir -p "$HERE/en-fr"
    cp "$WORK/en-fr/"{config.json,model.safetensors,vocab.json,metrics.json} "$HERE/en-fr/"
}

case $what in
    sst2) sst2 ;; vectors) vectors ;; en-fr) en_fr ;;
    all) sst2; vectors; en_fr ;;
    *) echo "usage: $0 [sst2|vectors|en-fr|all]" >&2; exit 2 ;;
esac
echo "rebuilt $what in $HERE (work files in $WORK)"
