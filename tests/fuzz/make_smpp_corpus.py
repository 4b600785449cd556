#!/usr/bin/env python3
"""Writes the seed corpus of smpp_decoder_fuzz: one binary file per PDU (or stream).

Each file is one control octet (chunking / text policy for the fuzz target) followed by
SMPP octets. Built from the wire samples in channels/sms/pdu.cpp and the captures in
reference/smpp-3.4.md. Run from anywhere: writes next to this script, in corpus/smpp_decoder/.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "smpp_decoder")


def pdu(cmd, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), cmd, status, seq) + body


def c(s):
    return s.encode() + b"\0"


def tlv(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


def sm(src, dst, text, esm=0, dc=0, tlvs=b"", service=b"\0"):
    return (service + b"\x01\x01" + c(src) + b"\x00\x00" + c(dst) + bytes([esm, 0, 0]) + b"\0\0" +
            bytes([0, 0, dc, 0, len(text)]) + text + tlvs)


def data_sm(src, dst, dc, tlvs):
    return b"\0\x01\x01" + c(src) + b"\x00\x00" + c(dst) + bytes([0, 0, dc]) + tlvs


MO = "6281234567890"
EMOJI_UCS2 = "Lampu jalan mati 😀".encode("utf-16-be")
seeds = {
    # Kannel's bind_transceiver and unbind (captured), enquire_link, answers.
    "bind_transceiver_kannel": pdu(0x09, 1, c("test") + c("secret") + c("") + b"\x34\x00\x00" + c("")),
    "bind_transmitter_bad_password": pdu(0x02, 1, c("test") + c("wrong") + c("") + b"\x34\x00\x00" + c("")),
    "bind_receiver_v33": pdu(0x01, 1, c("test") + c("secret") + c("SMPP") + b"\x33\x01\x01" + c("^1708")),
    "bind_transceiver_resp": pdu(0x80000009, 1, c("LAPOR1708") + tlv(0x0210, b"\x34")),
    "bind_resp_header_only_error": pdu(0x80000009, 1, status=0x0E),
    "outbind": pdu(0x0B, 1, c("smsc") + c("pw")),
    "unbind_kannel": pdu(0x06, 7),
    "unbind_resp": pdu(0x80000006, 7),
    "enquire_link": pdu(0x15, 3),
    "enquire_link_resp_trailing_nul": pdu(0x80000015, 3, b"\0"),
    "generic_nack": pdu(0x80000000, 42, status=3),
    # MOs in every shape.
    "submit_sm_gsm": pdu(0x04, 2, sm(MO, "1708", b"Jalan rusak")),
    "submit_sm_gsm_escapes": pdu(0x04, 2, sm(MO, "1708", bytes.fromhex("610062026311641B651B281B2905"))),
    "deliver_sm_latin1": pdu(0x05, 3, sm(MO, "1708", "Straßenlampe kaputt é".encode("latin-1"), dc=3)),
    "submit_sm_dc1_node_smpp": pdu(0x04, 4, sm(MO, "1708", bytes.fromhex("61006202631164"), dc=1)),
    "submit_sm_ucs2_emoji": pdu(0x04, 5, sm(MO, "1708", EMOJI_UCS2, dc=8)),
    "submit_sm_udh8_part1": pdu(0x04, 6, sm(MO, "1708", bytes.fromhex("050003020201") + b"x" * 153, esm=0x43)),
    "submit_sm_udh8_part2": pdu(0x04, 7, sm(MO, "1708", bytes.fromhex("050003020202") + b"x" * 47, esm=0x43)),
    "deliver_sm_udh16_ucs2": pdu(0x05, 8, sm(MO, "1708", bytes.fromhex("0608041234020100410042D83D"), esm=0x40, dc=8)),
    "submit_sm_sar": pdu(0x04, 9, sm(MO, "1708", b"y" * 100,
                                     tlvs=tlv(0x020C, b"\x00\x2A") + tlv(0x020E, b"\x02") + tlv(0x020F, b"\x01"))),
    "submit_sm_message_payload": pdu(0x04, 10, sm(MO, "1708", b"", dc=8, tlvs=tlv(0x0424, EMOJI_UCS2))),
    "data_sm_arabic": pdu(0x103, 11, data_sm(MO, "1708", 8, tlv(0x0424, "شكوى: إنارة الشارع معطلة".encode("utf-16-be")))),
    "deliver_sm_receipt": pdu(0x05, 12, sm("1708", MO, b"id:1A2B sub:001 dlvrd:001 stat:DELIVRD err:000 text:", esm=0x04,
                                           tlvs=tlv(0x001E, b"1A2B\0") + tlv(0x0427, b"\x02"))),
    "submit_sm_resp": pdu(0x80000004, 2, c("1A2B")),
    "submit_sm_resp_throttled": pdu(0x80000004, 2, status=0x58),
    "data_sm_resp_tlv": pdu(0x80000103, 11, c("77") + tlv(0x001D, b"ok\0")),
    "deliver_sm_resp": pdu(0x80000005, 3, b"\0"),
    # Malformed ones.
    "bad_length_15": struct.pack(">I", 15) + b"\x00" * 12,
    "bad_length_huge": struct.pack(">IIII", 0xFFFFFFFF, 4, 0, 1),
    "unknown_command": pdu(0x99, 5),
    "overlong_source_addr": pdu(0x04, 6, sm("6" * 25, "1708", b"abc")),
    "tlv_overrun": pdu(0x04, 7, sm(MO, "1708", b"abc") + bytes.fromhex("04240010")),
}
# A stream of several PDUs in one read.
seeds["stream_bind_submit_unbind"] = seeds["bind_transceiver_kannel"] + seeds["submit_sm_gsm"] + seeds["unbind_kannel"]

os.makedirs(OUT, exist_ok=True)
for i, (name, octets) in enumerate(sorted(seeds.items())):
    control = (i * 37) & 0xFF  # vary chunking and text policy across seeds
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([control]) + octets)
print(f"wrote {len(seeds)} seeds to {OUT}")
