#!/usr/bin/env node
// Minimal SMPP 3.4 server (SMSC / "our daemon" stand-in) built on node-smpp 0.5.1.
// Loopback only. Logs every received PDU as one JSON line on stdout.
//
// Env:
//   HOST=127.0.0.1 PORT=2775 SYSTEM_ID=test PASSWORD=secret
//   MO_COUNT=0        after a receiver/transceiver bind, push this many deliver_sm (MO) to the ESME
//   MO_TEXT="..."     text of those MO messages (source 97150xxxxxxx -> 1708)
//   MO_SRC=""         source prefix of those MOs instead (MO_SRC + 3 digits: 100, 101, ...)
//   MO_PARTS=1        send each MO as this many parts of a concatenated message (UDH IEI 0x00,
//                     a new 8-bit reference per message): a long SMS of 2..10 parts
//   MO_WINDOW=0       at most this many of our deliver_sm wait for their resp (1: a stop-and-wait
//                     SMSC that sends the next part only after the previous resp); 0 = no limit
//   THROTTLE_EVERY=0  answer every Nth submit_sm/data_sm with ESME_RTHROTTLED (0x58); 0 = never
//   RATE_LIMIT_PER_S=0  answer submit_sm/data_sm/deliver_sm beyond this many accepted in the
//                     last second with ESME_RTHROTTLED (an operator's TPS limit); 0 = no limit
//   DLR=1             if registered_delivery&1 and the session can receive, send a delivery receipt
//   MAX_SECONDS=0     exit by itself after this many seconds (0 = run until SIGINT/SIGTERM)
//   RAW=1             also log each received PDU as hex (whole PDU, header included)
'use strict';
const smpp = require('smpp');
if (process.env.RAW === '1') { // keep the wire bytes: node-smpp decodes the text in the PDU constructor
  const orig = smpp.PDU.prototype.fromBuffer;
  smpp.PDU.prototype.fromBuffer = function (buf) { this._raw = buf.toString('hex'); return orig.call(this, buf); };
}

const HOST = process.env.HOST || '127.0.0.1';
const PORT = +(process.env.PORT || 2775);
const SYSTEM_ID = process.env.SYSTEM_ID || 'test';
const PASSWORD = process.env.PASSWORD || 'secret';
const MO_COUNT = +(process.env.MO_COUNT || 0);
const MO_TEXT = process.env.MO_TEXT || 'pothole on main street';
const MO_SRC = process.env.MO_SRC || '';
const MO_PARTS = Math.max(1, +(process.env.MO_PARTS || 1));
const MO_WINDOW = +(process.env.MO_WINDOW || 0);
const THROTTLE_EVERY = +(process.env.THROTTLE_EVERY || 0);
const RATE_LIMIT_PER_S = +(process.env.RATE_LIMIT_PER_S || 0);
const DLR = process.env.DLR !== '0';
const MAX_SECONDS = +(process.env.MAX_SECONDS || 0);

let nextId = 1;
let submits = 0;
let nextRef = 1;
const accepted = []; // hrtime (ms) of the messages accepted in the last second, oldest first
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function describe(pdu) {
  const out = { t: new Date().toISOString(), cmd: pdu.command, seq: pdu.sequence_number, status: pdu.command_status };
  if (pdu._raw) out.raw = pdu._raw;
  for (const k of ['system_id', 'system_type', 'interface_version', 'addr_ton', 'addr_npi',
                   'service_type', 'source_addr_ton', 'source_addr_npi', 'source_addr',
                   'dest_addr_ton', 'dest_addr_npi', 'destination_addr', 'esm_class',
                   'registered_delivery', 'data_coding', 'sar_msg_ref_num', 'sar_total_segments',
                   'sar_segment_seqnum', 'receipted_message_id', 'message_state']) {
    if (pdu[k] !== undefined && pdu[k] !== null && pdu[k] !== '') out[k] = pdu[k];
  }
  for (const k of ['short_message', 'message_payload']) {
    const v = pdu[k];
    if (v === undefined || v === null) continue;
    if (Buffer.isBuffer(v)) { out[k] = { hex: v.toString('hex') }; continue; }
    const m = v.message;
    out[k] = {
      text: Buffer.isBuffer(m) ? undefined : m,
      hex: Buffer.isBuffer(m) ? m.toString('hex') : undefined,
      udh: v.udh ? v.udh.map((u) => Buffer.from(u).toString('hex')) : undefined,
    };
  }
  return out;
}

function smppTime(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

const server = smpp.createServer((session) => {
  let bound = null; // 'transmitter' | 'receiver' | 'transceiver'
  const peer = `${session.socket.remoteAddress}:${session.socket.remotePort}`;
  log({ t: new Date().toISOString(), event: 'connect', peer });

  const onBind = (mode) => (pdu) => {
    log(describe(pdu));
    if (bound) return session.send(pdu.response({ command_status: smpp.ESME_RALYBND }));
    if (pdu.system_id !== SYSTEM_ID || pdu.password !== PASSWORD) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      return session.close();
    }
    bound = mode;
    session.send(pdu.response({ system_id: 'NODESMSC' }));
    if (MO_COUNT > 0 && mode !== 'transmitter') pushMO(session);
  };
  session.on('bind_transmitter', onBind('transmitter'));
  session.on('bind_receiver', onBind('receiver'));
  session.on('bind_transceiver', onBind('transceiver'));

  // Each received message is logged once, with the status we answered it with (`answer`).
  const onMessage = (pdu) => {
    const answer = (status, fields) => {
      log(Object.assign(describe(pdu), { answer: status }));
      session.send(pdu.response(Object.assign({ command_status: status }, fields)));
    };
    if (!bound || (bound === 'receiver' && pdu.command !== 'deliver_sm')) return answer(smpp.ESME_RINVBNDSTS);
    if (overRate()) return answer(smpp.ESME_RTHROTTLED);
    if (pdu.command === 'deliver_sm') return answer(0); // an MO or a receipt pushed to us
    submits++;
    if (THROTTLE_EVERY > 0 && submits % THROTTLE_EVERY === 0) return answer(smpp.ESME_RTHROTTLED);
    const id = (nextId++).toString(16).toUpperCase().padStart(8, '0');
    answer(0, { message_id: id });
    if (DLR && (pdu.registered_delivery & 0x01) && bound === 'transceiver') {
      const now = smppTime(new Date());
      session.deliver_sm({
        source_addr: pdu.destination_addr, destination_addr: pdu.source_addr,
        esm_class: 0x04, data_coding: 0,
        short_message: `id:${id} sub:001 dlvrd:001 submit date:${now} done date:${now} stat:DELIVRD err:000 text:`,
        receipted_message_id: id, message_state: 2,
      }, (r) => log({ t: new Date().toISOString(), cmd: r.command, seq: r.sequence_number, status: r.command_status }));
    }
  };
  session.on('submit_sm', onMessage);
  session.on('data_sm', onMessage);
  session.on('deliver_sm', onMessage);

  session.on('enquire_link', (pdu) => { log(describe(pdu)); session.send(pdu.response()); });
  session.on('unbind', (pdu) => { log(describe(pdu)); session.send(pdu.response()); session.close(); });
  session.on('unknown', (pdu) => { log(describe(pdu)); session.send(pdu.response()); }); // generic_nack ESME_RINVCMDID
  session.on('error', (e) => log({ t: new Date().toISOString(), event: 'error', peer, error: String(e) }));
  session.on('close', () => log({ t: new Date().toISOString(), event: 'close', peer }));
});

// True when this message is one more than RATE_LIMIT_PER_S in the last second (it is then
// throttled and not counted); else counts it as accepted.
function overRate() {
  if (RATE_LIMIT_PER_S <= 0) return false;
  const now = Number(process.hrtime.bigint()) / 1e6;
  while (accepted.length && accepted[0] <= now - 1000) accepted.shift();
  if (accepted.length >= RATE_LIMIT_PER_S) return true;
  accepted.push(now);
  return false;
}

// The deliver_sm of MO i: one, or MO_PARTS parts carrying a UDH (node-smpp sets UDHI).
function moPdus(i) {
  const base = { source_addr_ton: 1, source_addr_npi: 1,
                 source_addr: MO_SRC ? MO_SRC + String(100 + i) : '97150' + String(1000000 + i).slice(1),
                 destination_addr: '1708' };
  const text = `${MO_TEXT} #${i + 1}`;
  if (MO_PARTS === 1) return [Object.assign({}, base, { short_message: text })];
  const size = Math.ceil(text.length / MO_PARTS);
  if (size > 153) throw new Error(`MO_TEXT too long for ${MO_PARTS} parts of 153 characters`);
  const ref = nextRef++ & 0xff;
  const out = [];
  for (let k = 0; k < MO_PARTS; k++) {
    out.push(Object.assign({}, base, {
      short_message: { udh: Buffer.from([0x05, 0x00, 0x03, ref, MO_PARTS, k + 1]), message: text.slice(k * size, (k + 1) * size) },
    }));
  }
  return out;
}

// Sends every MO's PDUs in order with at most MO_WINDOW waiting for their resp; logs each resp
// with the time it took (ms, from handing the PDU to node-smpp to its resp).
function pushMO(session) {
  const queue = [];
  for (let i = 0; i < MO_COUNT; i++) {
    const ps = moPdus(i);
    ps.forEach((p, k) => queue.push({ pdu: p, mo: i, part: k + 1, parts: ps.length }));
  }
  let inflight = 0;
  const pump = () => {
    while (queue.length && (MO_WINDOW <= 0 || inflight < MO_WINDOW)) {
      const q = queue.shift();
      const sent = process.hrtime.bigint();
      inflight++;
      session.deliver_sm(q.pdu, (r) => {
        inflight--;
        log({ t: new Date().toISOString(), cmd: r.command, seq: r.sequence_number, status: r.command_status,
              mo: q.mo, part: q.part, parts: q.parts, source_addr: q.pdu.source_addr,
              ms: +(Number(process.hrtime.bigint() - sent) / 1e6).toFixed(2) });
        pump();
      });
    }
  };
  pump();
}

server.listen(PORT, HOST, () => log({ t: new Date().toISOString(), event: 'listening', host: HOST, port: PORT }));
const stop = () => { server.close(); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (MAX_SECONDS > 0) setTimeout(stop, MAX_SECONDS * 1000).unref();
