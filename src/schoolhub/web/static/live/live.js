// SchoolHub live class page: GraphQL signaling (joinRoom / roomEvents / answerRoomOffer),
// one RTCPeerConnection with bundlePolicy "max-bundle", no simulcast. No build step.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("live-config").textContent);
  const roomId = config.roomId;
  const $ = (id) => document.getElementById(id);
  const state = {
    token: null, pc: null, joinToken: null, participantId: null, role: null, ws: null,
    local: null, screen: null, errors: [], events: 0, joined: false, handRaised: false, locked: false,
  };
  let chain = Promise.resolve();
  const serial = (fn) => (chain = chain.then(fn).catch((e) => fail(e)));

  const JOIN = `mutation($r: ID!, $o: String, $s: [TrackSourceInput!]) {
    joinRoom(roomId: $r, offer: $o, sources: $s) { waitingInLobby answerSdp joinToken
      iceServers { urls username credential } participant { id role state }
      room { id title locked } errors { code message } } }`;
  const ANSWER = `mutation($r: ID!, $a: String!) { answerRoomOffer(roomId: $r, answer: $a) { ok errors { code message } } }`;
  const PUBLISH = `mutation($r: ID!, $o: String!, $s: [TrackSourceInput!]) { publishTracks(roomId: $r, offer: $o, sources: $s) { answerSdp errors { code message } } }`;
  const ROOM = `query($r: ID!) { liveRoom(roomId: $r) { title locked status participants {
    id fullName role state handRaised audioMuted videoStopped online } } }`;
  const EVENTS = `subscription($r: ID!, $t: String!) { roomEvents(roomId: $r, joinToken: $t) { type participantId sdp payload } }`;
  const SIMPLE = {
    hand: `mutation($r: ID!, $v: Boolean!) { raiseHand(roomId: $r, raised: $v) { errors { code message } } }`,
    chat: `mutation($r: ID!, $t: String!) { sendRoomChat(roomId: $r, text: $t) { errors { code message } } }`,
    mode: `mutation($r: ID!, $m: LiveSubscriptionMode!) { setSubscriptionMode(roomId: $r, mode: $m) { errors { code message } } }`,
    leave: `mutation($r: ID!) { leaveRoom(roomId: $r) { errors { code message } } }`,
    admit: `mutation($r: ID!, $p: ID!, $a: Boolean!) { admitParticipant(roomId: $r, participantId: $p, admit: $a) { errors { code message } } }`,
    mute: `mutation($r: ID!, $p: ID!) { muteParticipant(roomId: $r, participantId: $p) { errors { code message } } }`,
    muteAll: `mutation($r: ID!) { muteAll(roomId: $r) { errors { code message } } }`,
    stopVideo: `mutation($r: ID!, $p: ID!) { stopVideo(roomId: $r, participantId: $p) { errors { code message } } }`,
    remove: `mutation($r: ID!, $p: ID!) { removeParticipant(roomId: $r, participantId: $p) { errors { code message } } }`,
    lock: `mutation($r: ID!, $v: Boolean!) { lockRoom(roomId: $r, locked: $v) { errors { code message } } }`,
    end: `mutation($r: ID!) { endRoom(roomId: $r) { errors { code message } } }`,
  };

  function fail(error) {
    const text = String((error && error.message) || error);
    state.errors.push(text);
    setStatus("Lỗi: " + text);
  }
  function setStatus(text) { $("status").textContent = text; }

  async function gql(query, variables) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + state.token },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    const data = body.data;
    const payload = data[Object.keys(data)[0]];
    if (payload && payload.errors && payload.errors.length) {
      const e = payload.errors[0];
      throw new Error(e.code + ": " + e.message);
    }
    return payload;
  }
  const simple = (name, extra) => gql(SIMPLE[name], Object.assign({ r: roomId }, extra || {}));

  function preferCodecs(transceiver, kind) {
    // VP8/H.264 video and Opus audio only; no simulcast (no sendEncodings).
    try {
      const allowed = kind === "video" ? ["video/vp8", "video/h264", "video/rtx", "video/red", "video/ulpfec"] : ["audio/opus", "audio/red"];
      const codecs = RTCRtpReceiver.getCapabilities(kind).codecs.filter((c) => allowed.includes(c.mimeType.toLowerCase()));
      codecs.sort((a, b) => allowed.indexOf(a.mimeType.toLowerCase()) - allowed.indexOf(b.mimeType.toLowerCase()));
      transceiver.setCodecPreferences(codecs);
    } catch (e) { /* older browsers: the SFU rejects what it cannot forward */ }
  }

  // aiortc (the SFU) numbers RTP header extensions 1=mid, 2=audio level, 3=abs-send-time in every
  // m-section it offers; in one BUNDLE group an id must mean the same everywhere, so our offers use
  // the same ids and leave out extensions the SFU does not negotiate anyway.
  const EXTMAP_IDS = {
    "urn:ietf:params:rtp-hdrext:sdes:mid": 1,
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level": 2,
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time": 3,
  };
  function alignExtmap(sdp) {
    return sdp.split("\r\n").filter((line) => {
      const m = /^a=extmap:\d+(\/\w+)? (\S+)/.exec(line);
      return !m || m[2] in EXTMAP_IDS;
    }).map((line) => {
      const m = /^a=extmap:\d+((?:\/\w+)?) (\S+)(.*)$/.exec(line);
      return m ? `a=extmap:${EXTMAP_IDS[m[2]]}${m[1]} ${m[2]}${m[3]}` : line;
    }).join("\r\n");
  }
  async function localOffer(pc) {
    const offer = await pc.createOffer();
    await pc.setLocalDescription({ type: "offer", sdp: alignExtmap(offer.sdp) });
  }

  function addTile(track, label) {
    if (track.kind === "audio") {
      const audio = document.createElement("audio");
      audio.autoplay = true;
      audio.srcObject = new MediaStream([track]);
      document.body.appendChild(audio);
      return;
    }
    const figure = document.createElement("figure");
    figure.className = "tile";
    const video = document.createElement("video");
    video.autoplay = true; video.muted = true; video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    const caption = document.createElement("figcaption");
    caption.textContent = label;
    figure.append(video, caption);
    $("videos").appendChild(figure);
    track.addEventListener("ended", () => figure.remove());
  }

  async function start() {
    setStatus("Đang mở camera…");
    state.local = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
    $("local").srcObject = state.local;
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers: [] });
    state.pc = pc;
    pc.ontrack = (event) => addTile(event.track, "Người tham gia");
    pc.onconnectionstatechange = () => setStatus("Kết nối: " + pc.connectionState);
    const sources = [];
    for (const track of state.local.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [state.local] });
      preferCodecs(transceiver, track.kind);
      transceiver._source = track.kind === "audio" ? "MICROPHONE" : "CAMERA";
    }
    await localOffer(pc);
    for (const t of pc.getTransceivers()) if (t.mid !== null && t._source) sources.push({ mid: t.mid, source: t._source });
    const result = await gql(JOIN, { r: roomId, o: pc.localDescription.sdp, s: sources });
    state.participantId = result.participant.id;
    state.role = result.participant.role;
    state.joinToken = result.joinToken;
    if (result.room) $("title").textContent = result.room.title;
    if (result.waitingInLobby) {
      setStatus("Đang chờ giáo viên cho vào…");
      subscribe();
      return;
    }
    if (result.iceServers && result.iceServers.length) {
      // TURN credentials arrive with the answer; they apply from the next ICE restart.
      pc.setConfiguration(Object.assign(pc.getConfiguration(), { iceServers: result.iceServers }));
    }
    await pc.setRemoteDescription({ type: "answer", sdp: result.answerSdp });
    state.joined = true;
    document.querySelector(".host-only").hidden = !(state.role === "HOST" || state.role === "CO_HOST");
    setStatus("Đã vào lớp");
    subscribe();
    refresh();
  }

  function subscribe() {
    if (state.ws) state.ws.close();
    const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
    state.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init", payload: { token: state.token } }));
    ws.onmessage = (message) => {
      const msg = JSON.parse(message.data);
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: EVENTS, variables: { r: roomId, t: state.joinToken } } }));
      } else if (msg.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "next") {
        if (msg.payload.errors) fail(msg.payload.errors[0].message);
        else onEvent(msg.payload.data.roomEvents);
      } else if (msg.type === "error") {
        fail(JSON.stringify(msg.payload));
      }
    };
  }

  function onEvent(event) {
    state.events += 1;
    const type = event.type;
    if (type === "NegotiationNeeded" && event.sdp) {
      serial(async () => {
        await state.pc.setRemoteDescription({ type: "offer", sdp: event.sdp });
        await state.pc.setLocalDescription(await state.pc.createAnswer());
        await gql(ANSWER, { r: roomId, a: state.pc.localDescription.sdp });
      });
      return;
    }
    const mine = event.participantId === state.participantId;
    if (type === "chat.message") {
      const li = document.createElement("li");
      li.textContent = (event.payload.name || "?") + ": " + event.payload.text;
      $("chat").appendChild(li);
      return;
    }
    if (type === "lobby.admitted" && mine) { state.ws.close(); serial(start); return; }
    if ((type === "participant.removed" || type === "lobby.denied") && mine) { leaveLocal("Bạn đã bị mời ra khỏi lớp"); return; }
    if (type === "room.ended") { leaveLocal("Buổi học đã kết thúc"); return; }
    if (type === "participant.muted" && mine && state.local) state.local.getAudioTracks().forEach((t) => (t.enabled = false));
    if (type === "participant.video_stopped" && mine && state.local) state.local.getVideoTracks().forEach((t) => (t.enabled = false));
    if (/^(participant|lobby|hand|presenter|room)\./.test(type) || type === "ParticipantJoined" || type === "ParticipantLeft") refresh();
  }

  function leaveLocal(text) {
    if (state.ws) state.ws.close();
    if (state.pc) state.pc.close();
    if (state.local) state.local.getTracks().forEach((t) => t.stop());
    state.joined = false;
    setStatus(text);
  }

  async function refresh() {
    let room;
    try { room = await gql(ROOM, { r: roomId }); } catch (e) { return; }
    if (!room) return;
    state.locked = room.locked;
    $("btn-lock").textContent = room.locked ? "🔓 Mở khoá" : "🔒 Khoá phòng";
    const list = $("participants");
    list.replaceChildren();
    const host = state.role === "HOST" || state.role === "CO_HOST";
    for (const p of room.participants) {
      if (p.state === "REMOVED" || p.state === "DENIED") continue;
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${p.fullName} (${p.role.toLowerCase()}${p.state === "LOBBY" ? ", đang chờ" : ""})` +
        (p.handRaised ? " ✋" : "") + (p.audioMuted ? " 🔇" : "");
      li.appendChild(label);
      const button = (text, fn) => { const b = document.createElement("button"); b.type = "button"; b.textContent = text; b.onclick = () => fn().catch(fail); li.appendChild(b); };
      if (host && p.id !== state.participantId) {
        if (p.state === "LOBBY") {
          button("Cho vào", () => simple("admit", { p: p.id, a: true }));
          button("Từ chối", () => simple("admit", { p: p.id, a: false }));
        } else {
          button("Tắt mic", () => simple("mute", { p: p.id }));
          button("Tắt camera", () => simple("stopVideo", { p: p.id }));
          button("Mời ra", () => simple("remove", { p: p.id }));
        }
      }
      list.appendChild(li);
    }
  }

  async function shareScreen() {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = display.getVideoTracks()[0];
    serial(async () => {
      const transceiver = state.pc.addTransceiver(track, { direction: "sendonly" });
      preferCodecs(transceiver, "video");
      await localOffer(state.pc);
      const result = await gql(PUBLISH, { r: roomId, o: state.pc.localDescription.sdp, s: [{ mid: transceiver.mid, source: "SCREEN" }] });
      await state.pc.setRemoteDescription({ type: "answer", sdp: result.answerSdp });
      state.screen = track;
    });
  }

  $("btn-hand").onclick = () => { state.handRaised = !state.handRaised; simple("hand", { v: state.handRaised }).catch(fail); };
  $("btn-screen").onclick = () => shareScreen().catch(fail);
  $("mode").onchange = (e) => simple("mode", { m: e.target.value }).catch(fail);
  $("btn-leave").onclick = () => simple("leave").then(() => leaveLocal("Bạn đã rời lớp")).catch(fail);
  $("btn-mute-all").onclick = () => simple("muteAll").catch(fail);
  $("btn-lock").onclick = () => simple("lock", { v: !state.locked }).then(refresh).catch(fail);
  $("btn-end").onclick = () => simple("end").catch(fail);
  $("chat-form").onsubmit = (e) => {
    e.preventDefault();
    const text = $("chat-text").value.trim();
    if (text) simple("chat", { t: text }).then(() => ($("chat-text").value = "")).catch(fail);
  };

  window.liveStats = async function () {
    const out = {
      connectionState: state.pc ? state.pc.connectionState : "new", joined: state.joined,
      participantId: state.participantId, role: state.role, events: state.events,
      errors: state.errors.slice(), inbound: [], outbound: [],
    };
    if (!state.pc) return out;
    const report = await state.pc.getStats();
    report.forEach((s) => {
      if (s.type === "inbound-rtp") {
        out.inbound.push({ kind: s.kind, mid: s.mid, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
          framesReceived: s.framesReceived || 0, framesDecoded: s.framesDecoded || 0, keyFramesDecoded: s.keyFramesDecoded || 0,
          frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0, decoderImplementation: s.decoderImplementation || "" });
      } else if (s.type === "outbound-rtp") {
        out.outbound.push({ kind: s.kind, mid: s.mid, packetsSent: s.packetsSent || 0, bytesSent: s.bytesSent || 0,
          framesEncoded: s.framesEncoded || 0, encoderImplementation: s.encoderImplementation || "" });
      }
    });
    return out;
  };

  function begin(token) {
    if (state.token) return;
    state.token = token;
    serial(start);
  }
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (data && data.type === "schoolhub-live-token" && typeof data.token === "string") begin(data.token);
  });
  const params = new URLSearchParams(location.search);
  if (config.devTokenParam && params.get("token")) begin(params.get("token"));
  else setStatus("Đang chờ ứng dụng đăng nhập…");
})();
