"""PersonaWriter against a local OpenAI-compatible HTTP server that returns canned completions."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pandas as pd
import pytest

from segment_lib.core import SegmentLibError
from segment_lib.profiling import PersonaWriter, name_segments, profile_segments, segment_facts


def _profile():
    rng = np.random.default_rng(0)
    n = 60
    feats = pd.DataFrame({"recency_days": np.r_[rng.uniform(1, 20, n), rng.uniform(200, 350, n), rng.uniform(60, 200, n)],
                          "frequency": np.r_[rng.integers(8, 20, n), rng.integers(3, 8, n), np.ones(n)],
                          "monetary": np.r_[rng.uniform(2000, 4000, n), rng.uniform(300, 600, n), rng.uniform(20, 80, n)]},
                         index=[f"c{i}" for i in range(3 * n)])
    prof = profile_segments(feats, pd.Series(np.repeat([0, 1, 2], n), index=feats.index))
    name_segments(prof)
    return prof


class _Server:
    "A chat-completions endpoint on 127.0.0.1 answering each segment with a canned reply."
    def __init__(self, replies):
        self.replies, self.requests = replies, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                prompt = body["messages"][0]["content"]
                facts = json.loads(prompt.split("Facts about the segment (JSON): ")[1].split("\n")[0])
                content = outer.replies[facts["customers"], facts["features"]["monetary"]["median"]]
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(200); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)

            def log_message(self, *a): pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self): self.httpd.shutdown(); self.httpd.server_close()


@pytest.fixture
def profile(): return _profile()


def test_good_misquoting_and_malformed_replies(profile, tmp_path, caplog):
    f = {s: segment_facts(profile, s) for s in profile.summary.index}
    good = json.dumps({"name": "Devoted decorators", "persona": f"{f['0']['customers']} customers, {f['0']['share_of_customers_pct']}% of all. They order often.",
                       "actions": ["VIP early access", "Bundle offers", "Thank-you notes"]})
    wrong = json.dumps({"name": "Big spenders", "persona": "They bring 87.5% of revenue. They love sales.",
                        "actions": ["a", "b", "c"]})
    key = lambda s: (f[s]["customers"], f[s]["features"]["monetary"]["median"])
    server = _Server({key("0"): f"```json\n{good}\n```", key("1"): wrong, key("2"): "Sure! Here is a persona."})
    try:
        writer = PersonaWriter(base_url=server.url, model="canned", cache=tmp_path)
        ps = {p.segment: p for p in writer.write(profile)}
    finally:
        server.close()
    assert ps["0"].source == "llm" and ps["0"].name == "Devoted decorators" and len(ps["0"].actions) == 3
    assert ps["1"].source == "rules" and ps["1"].name == profile.names["1"] and "87.5" in ps["1"].rejected
    assert ps["2"].source == "rules" and "no JSON object" in ps["2"].rejected
    assert "rejected" in caplog.text
    assert len(server.requests) == 3 and server.requests[0]["model"] == "canned"
    # a second run is served from the cache: same personas, no server needed
    again = {p.segment: p for p in PersonaWriter(base_url=server.url, model="canned", cache=tmp_path).write(profile)}
    assert again["0"] == ps["0"] and again["1"].rejected == ps["1"].rejected


def test_unreachable_endpoint_is_a_clear_error(profile, tmp_path):
    writer = PersonaWriter(base_url="http://127.0.0.1:9/v1", cache=tmp_path, timeout=2)
    with pytest.raises(SegmentLibError, match="LLM endpoint http://127.0.0.1:9/v1 failed"):
        writer.write(profile)


def test_no_customer_ids_in_facts(profile):
    text = json.dumps([segment_facts(profile, s) for s in profile.summary.index])
    assert not any(f'"c{i}"' in text for i in range(180))
