"""bench.served_profile puts each py-spy sample in the bucket of its innermost stage frame."""
from bench.served_profile import OTHER, aggregate, bucket_of, table

VIEW = "Flask.dispatch_request (/x/flask/app.py:902);call_service (/x/service/hooks.py:153)"


def test_innermost_stage_wins():
    stack = f"{VIEW};_answer (/x/service/hooks.py:162);read_json_body (/x/service/hooks.py:88);" \
            "load_json (/x/service/hook_request.py:150);_pairs_dropped (/x/service/hook_request.py:172)"
    assert bucket_of(stack.split(";")) == "decode: duplicate-key check (re-encode + count)"
    assert bucket_of(stack.split(";")[:-1]) == "decode: orjson.loads of the body"


def test_replay_insert_is_told_apart_from_signature_checking():
    auth = f"{VIEW};_authenticate (/x/service/hooks.py:67);Verifier.verify (/x/service/auth.py:692)"
    assert bucket_of(auth.split(";")) == "auth: JWT signature + claims"
    replay = auth + ";DatabaseReplayCache.add (/x/service/auth.py:492);Cursor.execute (/x/psycopg/cursor.py:113)"
    assert bucket_of(replay.split(";")) == "auth: jti replay-cache INSERT"


def test_unknown_frames_are_other_and_shares_add_up():
    raw = "\n".join([
        f"{VIEW};advise (/x/service/pipeline.py:25);build_picture (/x/service/picture/build.py:64) 30",
        f"{VIEW};advise (/x/service/pipeline.py:25);evaluate (/x/service/rules/__init__.py:50) 10",
        "_bootstrap (/x/threading.py:1002);mystery (/x/elsewhere.py:1) 10",
        "garbage line without a count",
    ])
    shares = aggregate(raw)
    assert shares == {"picture": 30, "rules": 10, OTHER: 10}
    text = table(shares)
    assert "| picture | 60.0 % |" in text and "| (samples) | 50 |" in text
