"""The HTTP server (nlpdive.serve) through FastAPI's TestClient, on tiny saved models of every task: the routes
and their shapes (the same answers as the task objects), streaming, bad input (always 4xx with a message, never
500), limits, the API key, CORS, metrics and the OpenAPI schema."""
import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
torch = pytest.importorskip("torch")

from fastapi.testclient import TestClient  # noqa: E402
from serve_models import build  # noqa: E402

import nlpdive  # noqa: E402
from nlpdive.serve.app import create_app, load_models  # noqa: E402
from nlpdive.serve.config import ServeConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="session")
def model_dirs(tmp_path_factory):
    return build(tmp_path_factory.mktemp("serve-models"))


@pytest.fixture(scope="module")
def tasks(model_dirs):
    return load_models(model_dirs.items())


@pytest.fixture(scope="module")
def client(tasks):
    cfg = ServeConfig(max_texts=8, max_text_chars=200, max_tokens=50, max_body_bytes=20_000, max_samples=4)
    with TestClient(create_app(tasks, cfg)) as c:
        yield c


def events(text):
    """[(event, data)] of a server-sent-events body."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((lines.get("event", "message"), json.loads(lines["data"])))
    return out


# -- the routes answer what the task objects answer
def test_models_lists_every_model_with_its_task_and_verbs(client):
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert models["sentiment"] == {"name": "sentiment", "task": "classify", "verbs": ["predict", "evaluate"]}
    assert models["chars"]["verbs"] == ["generate", "evaluate"]
    assert models["vectors"]["verbs"] == ["similar", "analogy", "evaluate"]
    assert client.get("/healthz").json() == {"status": "ok", "models": 5}


@pytest.mark.parametrize("name", ["sentiment", "gru"])
def test_predict_gives_the_task_objects_predictions(client, tasks, name):
    texts = ["great fun film", "awful dull plot", ""]
    answer = client.post(f"/v1/models/{name}/predict", json={"texts": texts})
    assert answer.status_code == 200
    assert answer.json() == {"predictions": tasks[name].predict(texts)}
    assert set(answer.json()["predictions"][0]) == {"label", "probabilities"}


def test_generate_with_a_seed_matches_the_task_and_streams_the_same_text(client, tasks):
    body = {"prompt": "the cat", "max_tokens": 30, "seed": 3, "temperature": 0.9, "top_k": 5}
    plain = client.post("/v1/models/chars/generate", json=body).json()
    direct = tasks["chars"].generate("the cat", max_tokens=30, seed=3, temperature=0.9, top_k=5)
    assert plain == {"samples": direct}
    streamed = client.post("/v1/models/chars/generate", json={**body, "stream": True})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    found = events(streamed.text)
    assert found[-1] == ("done", plain)
    pieces = [d["text"] for e, d in found if e == "message"]
    assert len(pieces) > 1 and "".join(pieces) == direct[0]["text"]


def test_generate_stop_strings_and_several_samples(client):
    answer = client.post("/v1/models/chars/generate",
                         json={"prompt": "the", "max_tokens": 40, "seed": 0, "num_samples": 2, "stop": ["."]})
    samples = answer.json()["samples"]
    assert len(samples) == 2 and all("." not in s["text"] for s in samples)


def test_translate_with_attention_and_streamed_per_sentence(client, tasks):
    texts = ["12 March 2001", "3 may 1999"]
    answer = client.post("/v1/models/dates/translate", json={"texts": texts, "beam": 2, "attention": True}).json()
    direct = tasks["dates"].translate(texts, beam=2)
    assert [t["translation"] for t in answer["translations"]] == [t["translation"] for t in direct]
    att = answer["translations"][0]["attention"]
    assert len(att["weights"]) == len(att["target_tokens"]) and len(att["weights"][0]) == len(att["source_tokens"])
    found = events(client.post("/v1/models/dates/translate", json={"texts": texts, "beam": 2, "stream": True}).text)
    assert [d["index"] for e, d in found if e == "message"] == [0, 1]
    assert [t["translation"] for t in found[-1][1]["translations"]] == [t["translation"] for t in direct]


def test_similar_and_analogy(client, tasks):
    similar = client.post("/v1/models/vectors/similar", json={"word": "cat", "topn": 3}).json()["similar"]
    assert [(s["word"], s["cosine"]) for s in similar] == tasks["vectors"].similar("cat", topn=3)
    analogy = client.post("/v1/models/vectors/analogy", json={"a": "cat", "b": "dog", "c": "chair"}).json()
    assert analogy["analogy"][0]["word"] == tasks["vectors"].analogy("cat", "dog", "chair")[0][0]


@pytest.mark.parametrize("name, rows, key", [
    ("sentiment", [{"text": "great fun", "label": "pos"}, {"text": "awful plot", "label": "neg"}], "accuracy"),
    ("chars", [{"text": "the cat sat on a mat and the dog ran to the red hat. " * 2}], "perplexity"),
    ("dates", [{"source": "12 March 2001", "target": "2001-03-12"}], "bleu"),
    ("vectors", [{"a": "cat", "b": "dog", "c": "chair", "d": "table"}], "accuracy"),
])
def test_evaluate_scores_posted_rows_with_the_tasks_own_evaluate(client, name, rows, key):
    answer = client.post(f"/v1/models/{name}/evaluate", json={"rows": rows})
    assert answer.status_code == 200, answer.text
    assert key in answer.json()["metrics"]


# -- bad input: a 4xx with a message naming the problem, never a 500
BAD = [
    ("/v1/models/nope/predict", {"texts": ["x"]}, 404, "no model named 'nope' (loaded: sentiment, gru"),
    ("/v1/models/sentiment/generate", {"prompt": "x"}, 404, "serves predict, evaluate, not 'generate'"),
    ("/v1/models/sentiment/frobnicate", {}, 404, "not 'frobnicate'"),
    ("/v1/models/sentiment/predict", {"texts": "one text"}, 422, "texts: Input should be a valid array"),
    ("/v1/models/sentiment/predict", {"texts": [1, 2]}, 422, "texts.0: Input should be a valid string"),
    ("/v1/models/sentiment/predict", {"texts": []}, 422, "texts: List should have at least 1 item"),
    ("/v1/models/sentiment/predict", {"texts": ["x"] * 9}, 422, "at most 8 items"),
    ("/v1/models/sentiment/predict", {"texts": ["x" * 201]}, 422, "at most 200 characters"),
    ("/v1/models/sentiment/predict", {"text": ["x"]}, 422, "text: Extra inputs are not permitted"),
    ("/v1/models/sentiment/predict", [["x"]], 422, "the body must be a JSON object"),
    ("/v1/models/sentiment/predict", "texts", 422, "the body must be a JSON object"),
    ("/v1/models/sentiment/predict", {"texts": ["x"], "threshold": 0.3}, 400, "is for multi-label models"),
    ("/v1/models/sentiment/predict", {"texts": ["x"], "threshold": 2}, 422, "threshold: Input should be less"),
    ("/v1/models/chars/generate", {"prompt": "x", "max_tokens": 51}, 422, "max_tokens: Input should be less"),
    ("/v1/models/chars/generate", {"prompt": "x", "max_tokens": "5"}, 422, "max_tokens: Input should be a valid int"),
    ("/v1/models/chars/generate", {"prompt": "x", "temperature": -1}, 422, "temperature: Input should be greater"),
    ("/v1/models/chars/generate", {"prompt": "x", "top_p": 0}, 422, "top_p: Input should be greater than 0"),
    ("/v1/models/chars/generate", {"prompt": "x", "num_samples": 5}, 422, "num_samples"),
    ("/v1/models/chars/generate", {"prompt": "é", "stream": True}, 400, "characters the model never saw"),
    ("/v1/models/chars/generate", {"prompt": "x", "stop": [""]}, 422, "stop.0: String should have at least 1"),
    ("/v1/models/dates/translate", {"texts": ["x"], "beam": 2, "n_best": 3}, 400, "--n-best must be <= --beam"),
    ("/v1/models/dates/translate", {"texts": ["x"], "beam": 5}, 422, "beam: Input should be less than or equal to 4"),
    ("/v1/models/vectors/similar", {"word": "zebra"}, 400, "'zebra' is not in the vocabulary"),
    ("/v1/models/vectors/similar", {"word": ""}, 422, "word: String should have at least 1 character"),
    ("/v1/models/vectors/analogy", {"a": "cat", "b": "dog"}, 422, "c: Field required"),
    ("/v1/models/sentiment/evaluate", {"rows": [{"text": "x"}]}, 400, "rows[0]: no 'label'"),
    ("/v1/models/sentiment/evaluate", {"rows": [{"text": "x", "label": "pos"}], "beam": 2}, 400,
     "'beam' is not an evaluate option of a classify model"),
    ("/v1/models/dates/evaluate", {"rows": [{"source": "a\tb", "target": "c"}]}, 400, "holds a tab"),
    ("/v1/models/vectors/evaluate", {"rows": [{"a": "cat dog", "b": "x", "c": "y", "d": "z"}]}, 400, "one word"),
]


@pytest.mark.parametrize("path, body, status, message", BAD, ids=[f"{p.split('/')[3]}-{m[:30]}" for p, _, _, m in BAD])
def test_bad_requests_get_a_4xx_naming_the_problem(client, path, body, status, message):
    answer = client.post(path, json=body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]


@pytest.mark.parametrize("raw, content_type, status, message", [
    (b"{not json", "application/json", 422, "the body is not valid JSON (key must be a string at line 1 column 2)"),
    (b'{"texts": ["x"]}', "text/plain", 415, "the body must be JSON (Content-Type: application/json), not text/plain"),
    (b'{"texts": NaN}', "application/json", 422, "texts: Input should be a valid array"),
    (b"", "application/json", 422, "the body is empty"),
    ('{"texts": ["caf\u00e9"]}'.encode("latin-1"), "application/json", 422, "the body is not valid JSON"),
])
def test_malformed_bodies_are_4xx(client, raw, content_type, status, message):
    answer = client.post("/v1/models/sentiment/predict", content=raw, headers={"content-type": content_type})
    assert answer.status_code == status and message in answer.json()["error"], answer.text


def test_bodies_over_the_limit_are_413_by_length_and_when_chunked(client):
    big = json.dumps({"texts": ["x" * 100] * 300})
    answer = client.post("/v1/models/sentiment/predict", content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "over 20,000 bytes" in answer.json()["error"]
    chunked = client.post("/v1/models/sentiment/predict", content=iter([big[i:i + 4096].encode()
                                                                      for i in range(0, len(big), 4096)]))
    assert chunked.status_code == 413
    assert client.get("/healthz").status_code == 200


def test_unknown_routes_and_methods_answer_in_the_error_shape(client):
    assert client.get("/v1/nothing").json() == {"error": "Not Found"}
    assert client.get("/v1/models/sentiment/predict").status_code == 405


# -- security: the API key, CORS
def test_an_api_key_is_needed_on_every_route_but_healthz_and_the_page(tasks):
    with TestClient(create_app({"sentiment": tasks["sentiment"]}, api_key="s3cret")) as c:
        for path in ("/v1/models", "/metrics", "/openapi.json"):
            answer = c.get(path)
            assert answer.status_code == 401 and "Authorization: Bearer KEY" in answer.json()["error"], path
        assert c.post("/v1/models/sentiment/predict", json={"texts": ["x"]},
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.post("/v1/models/sentiment/predict", json={"texts": ["x"]}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200
        assert c.get("/playground/app.js").status_code == 200


def test_cors_is_off_unless_asked(tasks):
    origin = {"Origin": "http://example.test"}
    with TestClient(create_app({"sentiment": tasks["sentiment"]})) as c:
        assert "access-control-allow-origin" not in c.get("/v1/models", headers=origin).headers
    with TestClient(create_app({"sentiment": tasks["sentiment"]}, ServeConfig(cors="http://example.test"))) as c:
        assert c.get("/v1/models", headers=origin).headers["access-control-allow-origin"] == "http://example.test"


# -- metrics, OpenAPI, the page
def test_metrics_count_requests_latencies_and_batch_sizes(client):
    client.post("/v1/models/sentiment/predict", json={"texts": ["great", "awful", "fun"]})
    text = client.get("/metrics").text
    assert 'nlpdive_requests_total{model="sentiment",status="200",verb="predict"}' in text
    assert 'nlpdive_request_seconds_bucket{le="0.05",model="sentiment",verb="predict"}' in text
    assert 'nlpdive_batch_size_count{model="sentiment",verb="predict"}' in text
    assert 'model="nope"' not in text  # no label per made-up name


def test_openapi_documents_every_verb_with_its_option_ranges(client):
    schema = client.get("/openapi.json").json()
    for verb in ("predict", "generate", "translate", "similar", "analogy", "embed", "evaluate"):
        assert f"/v1/models/{{name}}/{verb}" in schema["paths"]
    body = schema["paths"]["/v1/models/{name}/generate"]["post"]["requestBody"]["content"]["application/json"]
    props = body["schema"]["properties"]
    temperature = props["temperature"]["anyOf"][0]
    assert temperature["minimum"] == 0 and "sampling temperature" in props["temperature"]["description"]
    assert props["max_tokens"]["anyOf"][0]["maximum"] == 50


def test_the_playground_is_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "nlpdive playground" in page.text and "http" not in page.text.split("<body>")[0]
    assert "text/javascript" in client.get("/playground/app.js").headers["content-type"]
    assert client.get("/playground/secret.py").status_code == 404


def test_one_code_path_the_cli_and_the_server_load_the_same_task_objects(model_dirs):
    loaded = load_models([("sentiment", model_dirs["sentiment"])])["sentiment"]
    assert type(loaded) is type(nlpdive.load(model_dirs["sentiment"]))
