"""The live-class page: served with its config, strict headers, and nothing for odd paths."""

from __future__ import annotations

import json
import re

import httpx


async def test_live_page_and_assets(app: httpx.AsyncClient) -> None:
    response = await app.get("/live/TGl2ZVJvb206MQ==")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    match = re.search(r'id="live-config">(.*?)</script>', response.text)
    assert match is not None
    assert json.loads(match.group(1)) == {"roomId": "TGl2ZVJvb206MQ==", "devTokenParam": True}
    script = await app.get("/live-static/live.js")
    assert script.status_code == 200 and "max-bundle" in script.text
    assert "window.liveStats" in script.text
    # every GraphQL document the page sends validates against the schema (new controls too)
    from graphql import build_schema, parse, validate
    from schoolhub.graphql import contract

    schema = build_schema(contract.printed_schema())
    documents = re.findall(r"`((?:query|mutation|subscription)\b[^`]*)`", script.text)
    assert len(documents) >= 20
    for document in documents:
        assert validate(schema, parse(document)) == [], document
    for name in ("setMyMicrophone", "askToUnmute", "lowerHand", "setRoomControls"):
        assert name in script.text, name
    for control in ("btn-mic", "btn-cam", "btn-lower-all", "allow-unmute", "ask-yes"):
        assert f'id="{control}"' in response.text, control
    for path in ("/live/%3Cscript%3E", "/live-static/secret.py", "/live-static/..%2Fapp.py"):
        assert (await app.get(path)).status_code == 404, path
