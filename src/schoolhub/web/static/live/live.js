// SchoolHub live class page: GraphQL signaling (joinRoom / roomEvents / answerRoomOffer),
// one RTCPeerConnection with bundlePolicy "max-bundle", no simulcast. No build step.
// ICE: the STUN/TURN servers joinRoom returns are set on the RTCPeerConnection before ICE
// gathering starts (the offer is created first, applied locally only once joinRoom answered), so
// TURN works from the first connection; a connection that goes "failed" gets an ICE restart
// through publishTracks and, if the SFU dropped it meanwhile, joins again on a new connection.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("live-config").textContent);
  const roomId = config.roomId;
  const $ = (id) => document.getElementById(id);
  const state = {
    token: null, pc: null, joinToken: null, participantId: null, role: null, ws: null,
    local: null, screen: null, errors: [], events: 0, joined: false, handRaised: false, locked: false,
    audioMuted: false, videoStopped: false, mayUnmute: true, mayStartVideo: true,
    iceRestarts: 0, rejoins: 0, notices: [], tiles: [], candidateTypes: [], iceErrors: [],
  };
  let chain = Promise.resolve();
  const serial = (fn) => (chain = chain.then(fn).catch((e) => fail(e)));

  const JOIN = `mutation($r: ID!, $o: String, $s: [TrackSourceInput!]) {
    joinRoom(roomId: $r, offer: $o, sources: $s) { waitingInLobby answerSdp joinToken
      iceServers { urls username credential } participant { id role state }
      room { id title locked participantsMayUnmute participantsMayStartVideo } errors { code message } } }`;
  const ANSWER = `mutation($r: ID!, $a: String!) { answerRoomOffer(roomId: $r, answer: $a) { ok errors { code message } } }`;
  const PUBLISH = `mutation($r: ID!, $o: String!, $s: [TrackSourceInput!]) { publishTracks(roomId: $r, offer: $o, sources: $s) { answerSdp errors { code message } } }`;
  const ROOM = `query($r: ID!) { liveRoom(roomId: $r) { title locked status participantsMayUnmute
    participantsMayStartVideo participants { id fullName role state handRaised audioMuted videoStopped
    unmuteRequested videoRequested online } } }`;
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
    myMic: `mutation($r: ID!, $m: Boolean!) { setMyMicrophone(roomId: $r, muted: $m) { participant { audioMuted } errors { code message } } }`,
    myCamera: `mutation($r: ID!, $s: Boolean!) { setMyCamera(roomId: $r, stopped: $s) { participant { videoStopped } errors { code message } } }`,
    ask: `mutation($r: ID!, $p: ID!, $k: LiveMediaKind!) { askToUnmute(roomId: $r, participantId: $p, kind: $k) { errors { code message } } }`,
    lowerHand: `mutation($r: ID!, $p: ID!) { lowerHand(roomId: $r, participantId: $p) { errors { code message } } }`,
    lowerAll: `mutation($r: ID!) { lowerAllHands(roomId: $r) { errors { code message } } }`,
    controls: `mutation($r: ID!, $u: Boolean, $v: Boolean) { setRoomControls(roomId: $r, participantsMayUnmute: $u, participantsMayStartVideo: $v) { errors { code message } } }`,
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
      const error = new Error(e.code + ": " + e.message);
      error.code = e.code;
      throw error;
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
  async function localOffer(pc, options) {
    const offer = await pc.createOffer(options);
    await pc.setLocalDescription({ type: "offer", sdp: alignExtmap(offer.sdp) });
  }
  // RTCIceServer entries from joinRoom's iceServers (GraphQL nulls left out).
  function iceServersOf(list) {
    return (list || []).map((s) => {
      const server = { urls: s.urls };
      if (s.username) server.username = s.username;
      if (s.credential) server.credential = s.credential;
      return server;
    });
  }
  function useIceServers(pc, list) {
    const servers = iceServersOf(list);
    try {
      pc.setConfiguration(Object.assign(pc.getConfiguration(), { iceServers: servers }));
    } catch (e) { // e.g. a TURN URL without credentials: keep STUN only
      pc.setConfiguration(Object.assign(pc.getConfiguration(), {
        iceServers: servers.filter((s) => [].concat(s.urls).every((u) => /^stuns?:/.test(u))),
      }));
    }
  }
  // The sources of what we publish, by mid (after setLocalDescription).
  function currentSources(pc) {
    const out = [];
    for (const t of pc.getTransceivers()) {
      if (t.mid !== null && t._source && t.direction === "sendonly") out.push({ mid: t.mid, source: t._source });
    }
    return out;
  }

  function addTile(track, label) {
    if (track.kind === "audio") {
      const audio = document.createElement("audio");
      audio.autoplay = true;
      audio.srcObject = new MediaStream([track]);
      document.body.appendChild(audio);
      state.tiles.push(audio);
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
    state.tiles.push(figure);
    track.addEventListener("ended", () => figure.remove());
  }

  async function start() {
    setStatus("Đang mở camera…");
    const live = state.local && state.local.getTracks().every((t) => t.readyState === "live");
    if (!live) state.local = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
    $("local").srcObject = state.local;
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers: [] });
    state.pc = pc;
    pc.ontrack = (event) => addTile(event.track, "Người tham gia");
    pc.onicecandidate = (event) => { if (event.candidate) state.candidateTypes.push(event.candidate.type); };
    pc.onicecandidateerror = (event) => state.iceErrors.push({ url: event.url, code: event.errorCode });
    pc.onconnectionstatechange = () => {
      setStatus("Kết nối: " + pc.connectionState);
      if (pc.connectionState === "failed" && state.pc === pc && state.joined) serial(() => recover(pc));
    };
    for (const track of state.local.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [state.local] });
      preferCodecs(transceiver, track.kind);
      transceiver._source = track.kind === "audio" ? "MICROPHONE" : "CAMERA";
    }
    // Offer now, apply it locally only after joinRoom: ICE gathering starts at
    // setLocalDescription, by then with the STUN/TURN servers joinRoom returned.
    const offer = alignExtmap((await pc.createOffer()).sdp);
    const mids = offer.split("\r\n").filter((l) => l.startsWith("a=mid:")).map((l) => l.slice(6));
    const sources = pc.getTransceivers().map((t, i) => ({ mid: mids[i], source: t._source }));
    const result = await gql(JOIN, { r: roomId, o: offer, s: sources });
    state.participantId = result.participant.id;
    state.role = result.participant.role;
    state.joinToken = result.joinToken;
    if (result.room) {
      $("title").textContent = result.room.title;
      state.mayUnmute = result.room.participantsMayUnmute;
      state.mayStartVideo = result.room.participantsMayStartVideo;
    }
    if (result.waitingInLobby) {
      pc.close();
      state.pc = null;
      setStatus("Đang chờ giáo viên cho vào…");
      subscribe();
      return;
    }
    useIceServers(pc, result.iceServers);
    await pc.setLocalDescription({ type: "offer", sdp: offer });
    await pc.setRemoteDescription({ type: "answer", sdp: result.answerSdp });
    state.joined = true;
    const host = state.role === "HOST" || state.role === "CO_HOST";
    for (const el of document.querySelectorAll(".host-only")) el.hidden = !host;
    setStatus("Đã vào lớp");
    subscribe();
    refresh();
  }

  // ICE restart on a failed connection (re-offer through publishTracks); when the SFU has
  // dropped the failed connection already, join again on a new one (same participant).
  async function recover(pc) {
    if (state.pc !== pc || pc.connectionState !== "failed") return;
    state.iceRestarts += 1;
    try {
      await localOffer(pc, { iceRestart: true });
      const result = await gql(PUBLISH, { r: roomId, o: pc.localDescription.sdp, s: currentSources(pc) });
      await pc.setRemoteDescription({ type: "answer", sdp: result.answerSdp });
    } catch (e) {
      state.notices.push("ice restart: " + String((e && e.message) || e));
      state.rejoins += 1;
      state.joined = false;
      pc.close();
      state.tiles.forEach((el) => el.remove());
      state.tiles = [];
      await start();
    }
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
    if (mine && type === "participant.muted") setAudio(true);
    if (mine && type === "participant.unmuted") setAudio(false);
    if (mine && type === "participant.video_stopped") setVideo(true);
    if (mine && type === "participant.video_started") setVideo(false);
    if (mine && type === "hand.lowered") setHand(false);
    if (mine && type === "hand.raised") setHand(true);
    if (mine && (type === "participant.unmute_requested" || type === "participant.video_requested")) {
      showAsk(type === "participant.unmute_requested" ? "audio" : "video");
    }
    if (type === "room.controls_changed") {
      state.mayUnmute = event.payload.participantsMayUnmute;
      state.mayStartVideo = event.payload.participantsMayStartVideo;
      renderControls();
    }
    if (/^(participant|lobby|hand|presenter|room)\./.test(type) || type === "ParticipantJoined" || type === "ParticipantLeft") refresh();
  }

  // -- my microphone / camera / hand ---------------------------------------------------------------
  function setAudio(muted) {
    state.audioMuted = muted;
    if (state.local) state.local.getAudioTracks().forEach((t) => (t.enabled = !muted));
    renderControls();
  }
  function setVideo(stopped) {
    state.videoStopped = stopped;
    if (state.local) state.local.getVideoTracks().forEach((t) => (t.enabled = !stopped));
    renderControls();
  }
  function setHand(raised) {
    state.handRaised = raised;
    renderControls();
  }
  function renderControls() {
    $("btn-mic").textContent = state.audioMuted ? "🎤 Bật mic" : "🔇 Tắt mic";
    $("btn-cam").textContent = state.videoStopped ? "📷 Bật camera" : "🚫 Tắt camera";
    $("btn-hand").textContent = state.handRaised ? "✋ Hạ tay" : "✋ Giơ tay";
    $("allow-unmute").checked = !!state.mayUnmute;
    $("allow-video").checked = !!state.mayStartVideo;
  }
  function notice(text) {
    state.notices.push(text);
    setStatus(text);
  }
  // The host asked us to unmute (start video): we decide; nothing turns on by itself.
  function showAsk(kind) {
    $("ask-text").textContent = kind === "audio" ? "Giáo viên mời bạn bật mic." : "Giáo viên mời bạn bật camera.";
    $("ask").hidden = false;
    $("ask-yes").onclick = () => { $("ask").hidden = true; (kind === "audio" ? toggleMic(false) : toggleCamera(false)).catch(fail); };
    $("ask-no").onclick = () => { $("ask").hidden = true; };
  }
  async function toggleMic(muted) {
    try {
      const result = await simple("myMic", { m: muted });
      setAudio(result.participant.audioMuted);
    } catch (e) {
      if (e.code !== "SELF_UNMUTE_DISALLOWED") throw e;
      notice("Giáo viên chưa cho phép tự bật mic: hãy giơ tay ✋");
    }
  }
  async function toggleCamera(stopped) {
    try {
      const result = await simple("myCamera", { s: stopped });
      setVideo(result.participant.videoStopped);
    } catch (e) {
      if (e.code !== "SELF_VIDEO_DISALLOWED") throw e;
      notice("Giáo viên chưa cho phép tự bật camera: hãy giơ tay ✋");
    }
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
    state.mayUnmute = room.participantsMayUnmute;
    state.mayStartVideo = room.participantsMayStartVideo;
    $("btn-lock").textContent = room.locked ? "🔓 Mở khoá" : "🔒 Khoá phòng";
    const list = $("participants");
    list.replaceChildren();
    const host = state.role === "HOST" || state.role === "CO_HOST";
    for (const p of room.participants) {
      if (p.state === "REMOVED" || p.state === "DENIED") continue;
      if (p.id === state.participantId) {
        state.audioMuted = p.audioMuted; state.videoStopped = p.videoStopped; state.handRaised = p.handRaised;
        if (state.local) {
          state.local.getAudioTracks().forEach((t) => (t.enabled = !p.audioMuted));
          state.local.getVideoTracks().forEach((t) => (t.enabled = !p.videoStopped));
        }
      }
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${p.fullName} (${p.role.toLowerCase()}${p.state === "LOBBY" ? ", đang chờ" : ""})` +
        (p.handRaised ? " ✋" : "") + (p.audioMuted ? " 🔇" : "") + (p.videoStopped ? " 🚫📷" : "");
      li.appendChild(label);
      const button = (text, fn) => { const b = document.createElement("button"); b.type = "button"; b.textContent = text; b.onclick = () => fn().catch(fail); li.appendChild(b); };
      if (host && p.id !== state.participantId) {
        if (p.state === "LOBBY") {
          button("Cho vào", () => simple("admit", { p: p.id, a: true }));
          button("Từ chối", () => simple("admit", { p: p.id, a: false }));
        } else {
          if (p.handRaised) button("Hạ tay", () => simple("lowerHand", { p: p.id }));
          // hosts never unmute anyone: they ask, the participant decides
          if (p.audioMuted) button("Mời bật mic", () => simple("ask", { p: p.id, k: "AUDIO" }));
          else button("Tắt mic", () => simple("mute", { p: p.id }));
          if (p.videoStopped) button("Mời bật camera", () => simple("ask", { p: p.id, k: "VIDEO" }));
          else button("Tắt camera", () => simple("stopVideo", { p: p.id }));
          button("Mời ra", () => simple("remove", { p: p.id }));
        }
      }
      list.appendChild(li);
    }
    renderControls();
  }

  async function shareScreen() {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = display.getVideoTracks()[0];
    serial(async () => {
      const transceiver = state.pc.addTransceiver(track, { direction: "sendonly" });
      preferCodecs(transceiver, "video");
      await localOffer(state.pc);
      transceiver._source = "SCREEN";
      const result = await gql(PUBLISH, { r: roomId, o: state.pc.localDescription.sdp, s: currentSources(state.pc) });
      await state.pc.setRemoteDescription({ type: "answer", sdp: result.answerSdp });
      state.screen = track;
    });
  }

  $("btn-hand").onclick = () => { const v = !state.handRaised; simple("hand", { v }).then(() => setHand(v)).catch(fail); };
  $("btn-mic").onclick = () => toggleMic(!state.audioMuted).catch(fail);
  $("btn-cam").onclick = () => toggleCamera(!state.videoStopped).catch(fail);
  $("btn-lower-all").onclick = () => simple("lowerAll").then(refresh).catch(fail);
  $("allow-unmute").onchange = (e) => simple("controls", { u: e.target.checked }).catch(fail);
  $("allow-video").onchange = (e) => simple("controls", { v: e.target.checked }).catch(fail);
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
      errors: state.errors.slice(), notices: state.notices.slice(), inbound: [], outbound: [],
      audioMuted: state.audioMuted, videoStopped: state.videoStopped, handRaised: state.handRaised,
      iceRestarts: state.iceRestarts, rejoins: state.rejoins, iceServers: [],
      candidateTypes: state.candidateTypes.slice(), iceErrors: state.iceErrors.slice(),
    };
    if (!state.pc) return out;
    out.iceServers = state.pc.getConfiguration().iceServers || [];
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
