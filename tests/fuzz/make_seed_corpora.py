#!/usr/bin/env python3
"""Writes the seed corpora of sms_text, sms_part, multipart, report_json and config_toml (one file per
seed, in corpus/<target>/). smpp_decoder's corpus comes from make_smpp_corpus.py.
Regression inputs found by fuzzing are added by hand as corpus/<target>/crash-*; this
script never removes files. Run from anywhere."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gsm(text):
    # ASCII letters, digits and punctuation are the same code in GSM 03.38 (unpacked).
    return text.encode("ascii")


def pack7(septets, fill=0):
    bits, n, out = 0, fill, bytearray()
    acc = 0
    for s in septets:
        acc |= s << n
        n += 7
        while n >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            n -= 8
    if n:
        out.append(acc & 0xFF)
    return bytes(out)


# sms_text: control octet (bit 0 UDHI, bits 1-3 fill, bits 4-6 policy) + user data.
write("sms_text", "gsm_plain", b"\x00" + gsm("Jalan rusak di Jl. Ahmad Yani km 5, mohon diperbaiki"))
write("sms_text", "gsm_escapes", b"\x00" + b"Harga \x1b\x65 100 \x1b\x28ok\x1b\x29 \x1b\x3c\x1b\x3e \x1b")
write("sms_text", "gsm_packed", b"\x10" + pack7(gsm("Lampu jalan mati sejak minggu lalu")))
write("sms_text", "udh8_gsm", b"\x01" + b"\x05\x00\x03\x2a\x02\x01" + gsm("Sampah menumpuk di pasar"))
write("sms_text", "udh16_ucs2", b"\x01" + b"\x06\x08\x04\x12\x34\x03\x02" + "Banjir 😀 RT 05".encode("utf-16-be"))
write("sms_text", "udh8_packed", b"\x0d" + b"\x05\x00\x03\x07\x02\x02" + pack7(gsm("bagian kedua"), 1))
write("sms_text", "udh_lang_shift", b"\x01" + b"\x06\x24\x01\x0d\x25\x01\x0d" + gsm("Bahasa"))
write("sms_text", "ucs2_bom", b"\x00" + "\ufeffPelayanan puskesmas lambat".encode("utf-16-be"))
write("sms_text", "ucs2_lone_surrogate", b"\x00" + b"\x00A\xd8\x3d\x00B")
write("sms_text", "latin1", b"\x20" + "Caf\u00e9 di pinggir jalan, \u00a3 \u00e9t\u00e9".encode("latin-1"))
write("sms_text", "ascii_high", b"\x30" + b"Jalan \x80\xff rusak")
write("sms_text", "udh_overrun", b"\x01" + b"\x09\x00\x03\x01\x02")

# multipart: control octet (chunk size bits 0-5, bit 6 tiny limits, bit 7 stop early), the
# Content-Type line, then the body.
CT = "multipart/form-data; boundary=XyZ\n"
simple = ("--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nJalan rusak\r\n"
          "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nLubang besar di depan sekolah\r\n--XyZ--\r\n")
write("multipart", "two_fields", b"\x07" + (CT + simple).encode())
photo = (b"--XyZ\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"foto.jpg\"\r\n"
         b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\r\n--X\r\n--XyZ\r\n\xff\xd9\r\n--XyZ--")
write("multipart", "file_part", b"\x03" + CT.encode() + photo)
write("multipart", "quoted_boundary", b"\x21" + b"multipart/form-data; boundary=\"a'b()+_,-./:=? c\"\n"
      b"preamble\r\n--a'b()+_,-./:=? c  \r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--a'b()+_,-./:=? c--")
write("multipart", "empty_filename", b"\x05" + (CT + "--XyZ\r\nContent-Disposition: form-data; name=\"photos\"; "
      "filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n").encode())
write("multipart", "truncated", b"\x01" + (CT + "--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nabc\r\n--Xy").encode())
write("multipart", "folded_header", b"\x09" + (CT + "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"t\"\r\n\r\nx\r\n--XyZ--").encode())
write("multipart", "many_parts", b"\x7f" + (CT + "".join(
    f"--XyZ\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n{i}\r\n" for i in range(5)) + "--XyZ--").encode())
write("multipart", "stop_early", b"\x86" + (CT + simple).encode())
write("multipart", "windows_path", b"\x02" + (CT + "--XyZ\r\nContent-Disposition: form-data; name=\"photos\"; "
      "filename=\"C:\\foto\\a.jpg\"\r\n\r\nJPEG\r\n--XyZ--").encode())

# report_json: the body as sent.
write("report_json", "full", '{"title":"Jalan rusak","body":"Lubang besar di Jl. Ahmad Yani","kind":"complaint",'
      '"reporter":{"name":"Budi","phone":"081234567890","email":"budi@example.id"},"anonymous":false,'
      '"confidential":true,"location":{"text":"Palangka Raya","lat":-2.53,"lon":112.95},'
      '"attachments":[{"name":"foto.jpg","mime":"image/jpeg","data_base64":"/9j/4AAQSkZJRg=="}],'
      '"device_id":"android-42"}')
write("report_json", "minimal", '{"body":"Lampu jalan mati"}')
write("report_json", "nulls", '{"body":"x","title":null,"reporter":null,"location":{"lat":null},"attachments":null}')
write("report_json", "wrong_type", '{"body":"x","reporter":{"phone":81234567890},"anonymous":"yes"}')
write("report_json", "deep", "[" * 20 + "]" * 20)
write("report_json", "not_object", '"just a string"')
write("report_json", "base64_urlsafe", '{"body":"b","attachments":[{"name":"a","mime":"image/png",'
      '"data_base64":"iVBORw0K-_8 =\\n"}]}')
write("report_json", "unicode", '{"body":"Banjir \\ud83d\\ude00 di RT 05 \u00e9","kind":"aspiration"}')
write("report_json", "too_many", '{"body":"b","attachments":[' + ",".join(
    '{"name":"a","mime":"image/jpeg","data_base64":"AA=="}' for _ in range(6)) + "]}")
write("report_json", "base64_only", "SmFsYW4gcnVzYWs=")

# config_toml: the TOML document, then "\n%%%\n" and one override per line.
write("config_toml", "smpp_accounts", '[smpp]\nlisten = "127.0.0.1:2775"\nwindow = 50\n'
      'accounts = [{system_id = "tsel", password = "pw", operator = "telkomsel", allowed_cidrs = ["10.0.0.0/8"]}]\n'
      '%%%\nweb.listen=127.0.0.1:0\nsmpp.short_code=1708\n')
write("config_toml", "full_sections", 'data_dir = "/tmp/lapor"\nthreads = 2\nlog_format = "text"\n'
      '[web]\nlisten = "[::1]:8080"\nmax_photos = 5\n[dispatcher]\nurl = "http://127.0.0.1:1/x"\nbatch = true\n'
      '[[mobile.api_keys]]\nkey_id = "app"\nsecret = "s3cret"\n[store]\nsynchronous_full = false\n')
write("config_toml", "bad_key", '[web]\nlistn = "127.0.0.1:1"\n')
write("config_toml", "bad_syntax", '[smpp\nwindow = = 3\n')
write("config_toml", "overrides_only", '\n%%%\nsmpp.accounts=[{system_id="a",password="b",operator="c"}]\n'
      'threads=4\ndata_dir=\nsmpp.window=0\nweb.listen=nohost\n')
write("config_toml", "clients", '[[smpp.clients]]\nhost = "smsc.example"\nport = 2775\nsystem_id = "lapor"\n'
      'password = "x"\nbind = "receiver"\noperator = "indosat"\n')
write("config_toml", "types", 'threads = "two"\n[twitter]\nenabled = 1\npoll_interval_ms = 1e3\n')


# sms_part: control octet, then (bit 0 clear) a stored part row, or (bit 0 set) a submit_sm's
# user data with bit 1 UDHI, bit 2 four sar_* octets first, bit 3 in message_payload, bits 4-7
# the data_coding index (0: dc 0, 1: dc 1, 2: dc 3, 4: dc 8; sms_part_fuzz.cpp `codings`).
def part_row(payload, ref, total, seq, dc=0, udh_octets=6, op="telkomsel", src="6281234567890", dst="1708",
             ton=1, npi=1, version=1):
    """A message_parts row as channels/sms/stored_part.cpp encode_part() writes it."""
    def short(x):
        x = x.encode()
        return bytes([len(x)]) + x
    return (bytes([version, ton, npi, dc]) + udh_octets.to_bytes(2, "big") + ref.to_bytes(2, "big") +
            bytes([total, seq]) + short(op) + short(src) + short(dst) + payload)


write("sms_part", "row_udh8_gsm", b"\x00" + part_row(gsm("Jalan rusak di Jl. Ahmad Yani km 5, "), 0x2a, 3, 1))
write("sms_part", "row_udh16_ucs2", b"\x00" + part_row("Banjir 😀 RT 05".encode("utf-16-be"), 0x1234, 2, 2, dc=8,
                                                        udh_octets=7, op="indosat"))
write("sms_part", "row_sar_latin1", b"\x00" + part_row("Caf\u00e9 tutup".encode("latin-1"), 7, 2, 1, dc=3,
                                                        udh_octets=0, ton=2))
write("sms_part", "row_packed_part2", b"\x00" + part_row(pack7(gsm("bagian kedua"), 1), 9, 2, 2, dc=0))
write("sms_part", "row_alnum_source", b"\x00" + part_row(gsm("promo"), 1, 2, 1, src="PROMO", ton=5, npi=0))
write("sms_part", "row_empty_payload", b"\x00" + part_row(b"", 3, 4, 4))
write("sms_part", "row_seq_over_total", b"\x00" + part_row(gsm("x"), 3, 2, 3))
write("sms_part", "row_other_version", b"\x00" + part_row(gsm("x"), 3, 2, 1, version=2))
write("sms_part", "row_cut_in_address", b"\x00" + part_row(gsm("x"), 3, 2, 1)[:16])
write("sms_part", "pdu_udh8_gsm", b"\x03" + b"\x05\x00\x03\x2a\x03\x01" + gsm("Sampah menumpuk di pasar blok C"))
write("sms_part", "pdu_udh8_dc1", b"\x13" + b"\x05\x00\x03\x2b\x02\x02" + gsm("bagian terakhir"))
write("sms_part", "pdu_udh16_ucs2", b"\x43" + b"\x06\x08\x04\x12\x34\x02\x01" + "Banjir 😀".encode("utf-16-be"))
write("sms_part", "pdu_udh_lang_and_concat", b"\x03" + b"\x08\x24\x01\x0d\x00\x03\x05\x02\x01" + gsm("Bahasa"))
write("sms_part", "pdu_sar_latin1", b"\x25" + b"\x00\x07\x02\x01" + "Caf\u00e9 di pinggir".encode("latin-1"))
write("sms_part", "pdu_sar_payload", b"\x0d" + b"\x01\x00\x03\x03" + gsm("Pelayanan KTP lambat " * 12))
write("sms_part", "pdu_udh_and_sar", b"\x07" + b"\x00\x09\x02\x02" + b"\x05\x00\x03\x2c\x02\x01" + gsm("dua kepala"))
write("sms_part", "pdu_udh_total0", b"\x03" + b"\x05\x00\x03\x2d\x00\x01" + gsm("x"))
write("sms_part", "pdu_sar_seq_over_total", b"\x05" + b"\x00\x01\x02\x03" + gsm("x"))
write("sms_part", "pdu_single", b"\x01" + gsm("Bukan pesan panjang"))

# http_head: request heads as sent (gateway/http_framing.h).
for name, head in [
        ("get", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        ("post_form", b"POST /lapor HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 10\r\n\r\n"),
        ("chunked", b"POST /api/v1/reports HTTP/1.1\r\nHost: a:8080\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("smuggle", b"POST /lapor HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\nContent-Length: 5\r\n\r\n"),
        ("absolute", b"GET http://[::1]:9090/status/x?y=1 HTTP/1.1\r\nHost: b\r\n\r\n"),
        ("options_star", b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("http12", b"\r\nGET / HTTP/1.2\r\nHost: a\r\n\r\n"),
        ("h2_preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        ("obs_fold", b"GET / HTTP/1.1\r\nX: a\r\n b\r\nHost: a\r\n\r\n"),
        ("http10_te", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("two_hosts", b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"),
        ("accept_browser", b"GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html,application/xhtml+xml,*/*;q=0.8\r\n\r\n")]:
    write("http_head", name, head)
