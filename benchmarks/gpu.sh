#!/usr/bin/env bash
# The GPU checks, for a fresh machine with CUDA (internet: PyPI only), the repository checked out and
# ../shared/data beside it (a part whose data is absent is skipped, with a message).
#
#   bash benchmarks/gpu.sh                      # setup, then the four parts
#   bash benchmarks/gpu.sh setup                # only the environment (.venv with PyPI's CUDA torch: a few
#                                               # minutes the first time, ~3 GB with its nvidia packages)
#   bash benchmarks/gpu.sh embeddings lm        # only these parts (embeddings, lm, translate, finetune)
#   GPU_SH_DRY=1 bash benchmarks/gpu.sh         # print the commands, run nothing
#
# Parts, each under `timeout`, 600 s in all (GPU_SH_SCALE=0.5 halves every budget and limit):
#   embeddings  word2vec on the GPU (the PyTorch path) against gensim on the CPU, a 20,000-line corpus, one run each
#   lm          `nlpdive train lm` defaults on Tiny Shakespeare for a 100 s budget, against nanoGPT's README figure
#               for one A100 (its GPU config, about 3 minutes, best validation loss 1.4697)
#   translate   Multi30k de->en Transformer for a 75 s budget, test BLEU (beam 5; decoding on the CPU)
#   finetune    tokens/s of `finetune lm`'s loop against transformers' Trainer, both on the GPU
# Logs: $GPU_SH_LOGS (default runs/gpu), one file a part; the summary table is printed at the end and saved there.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DATA=$ROOT/../shared/data
LOGS=${GPU_SH_LOGS:-$ROOT/runs/gpu}
DRY=${GPU_SH_DRY:-}
SCALE=${GPU_SH_SCALE:-1}
PY=$ROOT/.venv/bin/python
export PYTHONPATH=$ROOT/src${PYTHONPATH:+:$PYTHONPATH}  # nlpdive from the checkout even if `pip install -e` failed
mkdir -p "$LOGS"
SUMMARY=()

run() {  # echo the command; run it unless dry
    echo "+ $*"
    [ -n "$DRY" ] || "$@"
}

secs() {  # a budget or limit times GPU_SH_SCALE
    python3 -c "import sys; print(max(1, round(float(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$SCALE"
}

setup() {
    export PIP_DEFAULT_TIMEOUT=${PIP_DEFAULT_TIMEOUT:-15} PIP_RETRIES=${PIP_RETRIES:-1}  # offline: fail fast
    # --system-site-packages: a machine without internet still finds the CUDA torch (and friends) it came with
    [ -x "$PY" ] || run python3 -m venv --system-site-packages .venv
    run "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
    # constraints.txt pins torch to the CPU machines' wheel; here torch is PyPI's default Linux wheel, the CUDA
    # build, unpinned. A CPU-only torch already in .venv (a "+cpu" wheel) is replaced.
    if [ -z "$DRY" ] && "$PY" -c "import torch, sys; sys.exit(torch.version.cuda is not None)" 2>/dev/null; then
        run "$PY" -m pip uninstall -q -y torch
    fi
    run "$PY" -m pip install -q --disable-pip-version-check torch
    # everything else at the pinned versions, torch excluded from the pins (pip keeps the CUDA torch: it satisfies
    # torch>=2.3); if a pin cannot be met on this Python or platform, without the pins
    grep -v '^torch==' constraints.txt > "$LOGS/constraints-gpu.txt"
    # (and if a dev extra is not on PyPI, the package with just what the parts need)
    local pip=("$PY" -m pip install -q --disable-pip-version-check)
    run "${pip[@]}" -c "$LOGS/constraints-gpu.txt" -e '.[dev]' accelerate ||
        run "${pip[@]}" -e '.[dev]' accelerate ||
        run "${pip[@]}" -e . gensim transformers peft sacrebleu accelerate
    run "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available',
torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
}

# part NAME LIMIT_S KEY_FN NEEDED_PATH... -- COMMAND...: runs COMMAND under timeout into $LOGS/NAME.log, then
# KEY_FN LOG prints the part's key figure; a part whose data is missing is skipped
part() {
    local name=$1 limit=$2 key=$3 missing=""
    shift 3
    while [ "$1" != "--" ]; do
        [ -e "$1" ] || missing="$missing $1"
        shift
    done
    shift
    local log=$LOGS/$name.log
    if [ -n "$missing" ]; then
        echo "== $name: skipped, not found:$missing"
        SUMMARY+=("| $name | skipped | 0 | data not found:$missing |")
        return
    fi
    echo "== $name (at most $limit s) -> $log"
    local start=$SECONDS status=ok
    if [ -n "$DRY" ]; then
        echo "+ timeout -k 10 $limit $*"
        SUMMARY+=("| $name | dry run | 0 | - |")
        return
    fi
    timeout -k 10 "$limit" "$@" > "$log" 2>&1
    local code=$?
    [ $code -eq 0 ] || status="failed (exit $code$([ $code -eq 124 ] && echo ', timed out'))"
    tail -n 15 "$log"
    SUMMARY+=("| $name | $status | $((SECONDS - start)) | $($key "$log" 2>/dev/null | tr '\n' ' ' | tr '|' '/') |")
}

key_embeddings() {  # the table's ratio lines
    grep -E '^\| (training words/s|end-to-end|analogy|WS-353)' "$1" | awk -F'|' '{gsub(/^ +| +$/, "", $2);
        gsub(/^ +| +$/, "", $5); printf "%s %s; ", $2, $5}'
}

key_lm() {
    "$PY" - "$ROOT/runs/bench/lm-gpu/results.json" <<'EOF'
import json, sys
row = json.load(open(sys.argv[1]))["rows"][-1]
print(f"valid loss {row['valid_loss']:.4f} in {row['wall_s']:.0f} s wall, {row['steps']} steps "
      f"(nanoGPT README, one A100: 1.4697 in about 3 min)")
EOF
}

key_translate() {
    grep -E '^nlpdive ' "$1" | awk '{printf "test BLEU %s, chrF %s, %s sentences/s", $2, $3, $4}'
}

key_finetune() {  # throughput's last line: {"nlpdive_tokens_per_s": ..., "trainer_tokens_per_s": ..., "ratio": ...}
    "$PY" - "$1" <<'EOF'
import json, sys
r = json.loads([line for line in open(sys.argv[1]) if line.startswith('{"nlpdive_tokens_per_s"')][-1])
print(f"nlpdive {r['nlpdive_tokens_per_s']:,.0f} vs Trainer {r['trainer_tokens_per_s']:,.0f} tokens/s: "
      f"{r['ratio']:.2f}x")
EOF
}

embeddings() {
    part embeddings "$(secs 130)" key_embeddings "$DATA/wikitext2/wiki.train.tokens.gz" "$DATA/imdb/train.csv.gz" \
        "$DATA/wordsim" -- "$PY" benchmarks/embeddings.py --device cuda --repeats 1 --max-lines 20000 --skip-store
}

lm() {
    part lm "$(secs 160)" key_lm "$DATA/tinyshakespeare/input.txt" -- \
        "$PY" benchmarks/lm.py --skip-peer --budget "$(secs 100)" --out "$ROOT/runs/bench/lm-gpu"
}

translate() {
    part translate "$(secs 190)" key_translate "$DATA/multi30k" -- \
        "$PY" benchmarks/translate.py --budget "$(secs 75)" --work "$LOGS/translate-work" -- --device cuda
}

finetune() {
    part finetune "$(secs 120)" key_finetune "$DATA/tinyshakespeare/input.txt" "$DATA/gpt2-tokenizer" -- \
        "$PY" benchmarks/finetune.py throughput --device cuda --runs 1 --steps 15 --work "$LOGS/finetune-work"
}

main() {
    local parts=("$@") p
    [ ${#parts[@]} -gt 0 ] || parts=(setup embeddings lm translate finetune)
    for p in "${parts[@]}"; do
        case $p in
            setup|embeddings|lm|translate|finetune) ;;
            *) echo "unknown part: $p (setup, embeddings, lm, translate, finetune)"; exit 2 ;;
        esac
    done
    for p in "${parts[@]}"; do
        if [ "$p" = setup ]; then
            setup || echo "setup failed: the parts run with what is installed"
        else
            $p
        fi
    done
    if [ ${#SUMMARY[@]} -gt 0 ]; then
        {
            echo
            echo "| part | status | seconds | key figure |"
            echo "|---|---|---|---|"
            printf '%s\n' "${SUMMARY[@]}"
        } | tee "$LOGS/summary.md"
    fi
}

[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"  # sourced (to try a function): define only
