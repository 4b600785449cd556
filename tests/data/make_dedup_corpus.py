#!/usr/bin/env python3
"""Generates tests/data/dedup_pairs.jsonl, the labelled corpus for cross-channel duplicate
detection (gateway/dedup_*, tests/gateway/dedup_corpus_test.cpp).

Run:  python3 tests/data/make_dedup_corpus.py > tests/data/dedup_pairs.jsonl
Deterministic (fixed seed); the generated file is committed so the test never runs Python.

Each line is one pair {"id", "case", "label", "a": report, "b": report, "links": [[k1, k2], ...]}:
a report is {"channel", "phone", "email", "twitter", "title", "body", "location", "day"}
(day = days after the first report). `links` are identity links made by earlier reports
(e.g. a tweet that stated the reporter's phone), applied before the pair is judged.

How labels were decided (the rule a human verifier at LAPOR! would apply):
  duplicate  the same person (same phone, same e-mail, or identities linked by an earlier
             report) reporting the same incident (same problem, same place; the same date when
             a date is stated) within 7 days, whatever the channel or wording.
  distinct   anything else: another incident by the same person (another kabupaten, street,
             date or problem), the same incident reported by another person, or a repeat more
             than 7 days later (outside the window: a new complaint by design).
  related    different people sending (nearly) the same text (a campaign): not a duplicate;
             the gateway should mark it related.
Only pairs whose label follows from the texts themselves are generated: a hard negative
always states the fact that differs (both texts name their kabupaten, street or date), since
no reader - human or program - could tell two incidents apart otherwise.

Texts are written from 22 complaint topics, each with several hand-written phrasings per
register (long web form text, mid-length app text, SMS, tweet), filled with real Indonesian
place names, then passed through register noise: SMS abbreviations (yg, tdk, gak, jln, sdh,
blm, dgn, krn, utk, kab, kec, ds, ...), dropped vowels, repeated letters, capitals, keyword
prefixes (INFO, LAPOR), mentions, hashtags and links.
"""
import json
import random
import sys

rng = random.Random(20261124)

# Kabupaten/kota -> (kecamatan, desa/kelurahan) pairs, all real names.
PLACES = {
    "Kotawaringin Timur": [("Baamang", "Baamang Hulu"), ("Mentawa Baru Ketapang", "Mentawa Baru Hulu"), ("Kota Besi", "Soren")],
    "Seruyan": [("Seruyan Hilir", "Kuala Pembuang"), ("Danau Sembuluh", "Sembuluh"), ("Hanau", "Pembuang Hulu")],
    "Hulu Sungai Utara": [("Amuntai Tengah", "Sungai Malang"), ("Banjang", "Kaludan"), ("Babirik", "Murung Panti")],
    "Banjar": [("Martapura", "Jawa"), ("Gambut", "Kayu Bawang"), ("Astambul", "Pingaran")],
    "Bogor": [("Cibinong", "Pakansari"), ("Citeureup", "Puspanegara"), ("Ciawi", "Bendungan")],
    "Sleman": [("Depok", "Caturtunggal"), ("Mlati", "Sendangadi"), ("Ngaglik", "Sardonoharjo")],
    "Bantul": [("Sewon", "Panggungharjo"), ("Kasihan", "Tamantirto"), ("Imogiri", "Wukirsari")],
    "Malang": [("Lawang", "Bedali"), ("Singosari", "Ardimulyo"), ("Pakis", "Asrikaton")],
    "Sidoarjo": [("Waru", "Kureksari"), ("Taman", "Sepanjang"), ("Candi", "Sugihwaras")],
    "Deli Serdang": [("Percut Sei Tuan", "Tembung"), ("Tanjung Morawa", "Bangun Sari"), ("Lubuk Pakam", "Cemara")],
    "Gowa": [("Somba Opu", "Sungguminasa"), ("Pallangga", "Jenetallasa"), ("Bontomarannu", "Romangloe")],
    "Lombok Timur": [("Selong", "Pancor"), ("Masbagik", "Kesik"), ("Aikmel", "Lenek")],
    "Kupang": [("Kupang Tengah", "Noelbaki"), ("Kupang Timur", "Oesao"), ("Taebenu", "Baumata")],
    "Jember": [("Kaliwates", "Mangli"), ("Sumbersari", "Kranjingan"), ("Ambulu", "Sabrang")],
    "Garut": [("Tarogong Kidul", "Haurpanggung"), ("Karangpawitan", "Suci"), ("Cilawu", "Mekarmukti")],
    "Banyumas": [("Sokaraja", "Sokaraja Kulon"), ("Kembaran", "Dukuhwaluh"), ("Baturraden", "Karangmangu")],
    "Kutai Kartanegara": [("Tenggarong", "Loa Ipuh"), ("Loa Janan", "Bakungan"), ("Sebulu", "Sumber Sari")],
    "Kapuas": [("Selat", "Selat Hilir"), ("Kapuas Murung", "Palingkau Lama"), ("Basarang", "Basarang Jaya")],
    "Cianjur": [("Cugenang", "Sarampad"), ("Pacet", "Ciherang"), ("Karangtengah", "Sabandar")],
    "Pulang Pisau": [("Kahayan Hilir", "Bereng"), ("Maliku", "Kanamit"), ("Jabiren Raya", "Tanjung Taruna")],
}
STREETS = ["Ahmad Yani", "Sudirman", "Diponegoro", "Gatot Subroto", "Pahlawan", "Merdeka", "Cut Nyak Dien",
           "Imam Bonjol", "Hasanuddin", "Pattimura", "Tjilik Riwut", "MT Haryono", "Veteran", "Pangeran Antasari",
           "Kartini", "Trans Kalimantan", "Raya Bogor", "Kaliurang", "Parangtritis", "Wahid Hasyim"]
MONTHS = ["Oktober", "November", "Desember"]
NAMES = ["Budi Santoso", "Siti Aminah", "Rahmat Hidayat", "Dewi Lestari", "Agus Salim", "Nur Aisyah", "Yusuf Maulana",
         "Fitri Handayani", "Eko Prasetyo", "Rina Marlina", "Hendra Gunawan", "Wahyuni", "Ahmad Fauzi", "Lilis Suryani",
         "Dedi Kurniawan", "Sri Wahyuni", "Arif Rahman", "Maya Sari", "Joko Susilo", "Indah Permata"]

# Each topic: keyword fields used by the phrasings, and phrasings per register.
# {street} {kab} {kec} {desa} {n} (a duration number) {unit} {date} are filled per incident.
TOPICS = [
    dict(name="jalan_rusak", street=True, web=[
        "Jalan {street} di Desa {desa}, Kecamatan {kec}, Kabupaten {kab} rusak parah dan berlubang besar. Sudah {n} {unit} tidak diperbaiki, sudah beberapa pengendara motor jatuh terutama saat hujan karena lubang tertutup genangan air. Mohon dinas PU segera memperbaiki jalan tersebut.",
        "Kami warga {desa} melaporkan kondisi Jalan {street} Kab. {kab} yang rusak dan banyak lubang. Kerusakan ini sudah berlangsung {n} {unit} dan belum ada perbaikan sama sekali dari pemerintah daerah. Jalan ini dipakai anak sekolah setiap hari dan sangat berbahaya.",
    ], app=[
        "Jalan {street} Desa {desa} Kab. {kab} berlubang dan rusak parah, sudah {n} {unit} belum diperbaiki. Mohon ditindaklanjuti.",
        "Mohon perbaikan Jalan {street} di {desa}, {kab}. Lubangnya besar dan sudah {n} {unit} dibiarkan, banyak motor jatuh.",
    ], sms=[
        "jalan {street} desa {desa} kab {kab} rusak parah berlubang sudah {n} {unit} tidak diperbaiki tolong",
        "lapor jalan {street} {desa} rusak parah lubang besar sudah {n} {unit} belum diperbaiki banyak motor jatuh",
    ], tweet=[
        "Jalan {street} {desa} {kab} rusak parah, lubang di mana-mana, sudah {n} {unit} tidak diperbaiki",
        "Tolong jalan {street} desa {desa} berlubang besar sudah {n} {unit} dibiarkan, motor sering jatuh",
    ]),
    dict(name="lampu_jalan", street=True, web=[
        "Lampu penerangan jalan umum (PJU) di sepanjang Jalan {street}, Desa {desa}, Kabupaten {kab} mati total sejak {n} {unit} yang lalu. Pada malam hari jalan gelap gulita dan sudah terjadi beberapa kali penjambretan. Kami mohon dinas perhubungan segera mengganti lampu yang mati.",
        "Sudah {n} {unit} lampu jalan di Jalan {street} {desa} Kec. {kec} Kab. {kab} tidak menyala. Jalan menjadi gelap dan rawan kecelakaan serta kejahatan. Mohon perbaikan lampu PJU secepatnya.",
    ], app=[
        "Lampu PJU di Jalan {street} Desa {desa} Kab. {kab} mati sudah {n} {unit}, jalan gelap dan rawan jambret.",
        "Lampu jalan di Jalan {street} {desa} mati semua sejak {n} {unit}, mohon segera diganti.",
    ], sms=[
        "lampu jalan di jalan {street} desa {desa} mati sudah {n} {unit} gelap rawan jambret tolong diganti",
        "pju jalan {street} {desa} kab {kab} mati total sudah {n} {unit} jalan gelap",
    ], tweet=[
        "Lampu PJU Jalan {street} {desa} mati sudah {n} {unit}, malam gelap gulita dan rawan jambret",
        "Sudah {n} {unit} lampu jalan di Jalan {street} {kab} mati, tolong diganti",
    ]),
    dict(name="sampah", street=False, web=[
        "Sampah di tempat pembuangan sementara (TPS) Desa {desa}, Kecamatan {kec}, Kabupaten {kab} sudah {n} {unit} tidak diangkut oleh petugas kebersihan. Sampah menumpuk sampai ke badan jalan, baunya menyengat dan banyak lalat. Warga khawatir timbul penyakit. Mohon dinas lingkungan hidup segera mengangkut sampah tersebut.",
        "Kami warga {desa} Kab. {kab} mengeluhkan sampah yang menumpuk di TPS dekat pasar. Truk sampah tidak datang selama {n} {unit}, sampah meluber ke jalan dan sangat bau. Mohon segera ditangani.",
    ], app=[
        "Sampah di TPS Desa {desa} Kab. {kab} sudah {n} {unit} tidak diangkut, menumpuk sampai ke jalan dan bau sekali.",
        "TPS {desa} penuh sampah, {n} {unit} truk sampah tidak datang. Mohon diangkut.",
    ], sms=[
        "sampah di tps desa {desa} kab {kab} sudah {n} {unit} tidak diangkut menumpuk bau sekali tolong diangkut",
        "tolong sampah tps {desa} sudah {n} {unit} tidak diangkut petugas menumpuk sampai jalan bau",
    ], tweet=[
        "Sampah TPS {desa} {kab} menumpuk sudah {n} {unit} tidak diangkut, bau dan banyak lalat",
        "Tolong truk sampah ke TPS desa {desa}, sudah {n} {unit} sampah numpuk sampai jalan",
    ]),
    dict(name="banjir", street=True, web=[
        "Setiap hujan deras, Jalan {street} di Desa {desa}, Kabupaten {kab} selalu banjir setinggi lutut karena saluran drainase tersumbat sampah dan lumpur. Kondisi ini sudah {n} {unit} dan air masuk ke rumah warga. Mohon saluran air segera dinormalisasi.",
        "Drainase di sepanjang Jalan {street} Kec. {kec} Kab. {kab} tersumbat sehingga jalan dan rumah warga {desa} kebanjiran setiap hujan. Sudah {n} {unit} kami menunggu pengerukan saluran.",
    ], app=[
        "Saluran drainase Jalan {street} Desa {desa} Kab. {kab} tersumbat, setiap hujan banjir masuk rumah. Sudah {n} {unit}.",
        "Banjir di Jalan {street} {desa} tiap hujan karena got tersumbat lumpur, sudah {n} {unit} belum dikeruk.",
    ], sms=[
        "jalan {street} desa {desa} banjir tiap hujan got tersumbat sudah {n} {unit} air masuk rumah tolong dikeruk",
        "banjir lagi di jalan {street} {desa} kab {kab} drainase tersumbat sampah sudah {n} {unit}",
    ], tweet=[
        "Jalan {street} {desa} banjir lagi tiap hujan, drainase tersumbat sudah {n} {unit} belum dikeruk",
        "Got di Jalan {street} {kab} tersumbat, banjir masuk rumah warga tiap hujan",
    ]),
    dict(name="air_pdam", street=False, web=[
        "Air PDAM di Desa {desa}, Kecamatan {kec}, Kabupaten {kab} tidak mengalir sudah {n} {unit}. Warga terpaksa membeli air galon untuk mandi dan memasak, padahal tagihan tetap datang setiap bulan. Mohon PDAM segera memperbaiki dan memberi penjelasan.",
        "Sudah {n} {unit} aliran air PDAM ke rumah kami di {desa} Kab. {kab} mati total. Keluhan ke kantor PDAM tidak ditanggapi. Kami mohon bantuan agar air segera mengalir kembali.",
    ], app=[
        "Air PDAM di Desa {desa} Kab. {kab} tidak mengalir sudah {n} {unit}, tagihan tetap jalan.",
        "PDAM mati di {desa} sudah {n} {unit}, warga beli air galon. Mohon diperbaiki.",
    ], sms=[
        "air pdam di desa {desa} kab {kab} tidak mengalir sudah {n} {unit} tagihan tetap datang tolong",
        "pdam mati sudah {n} {unit} di {desa} warga beli air galon tolong diperbaiki",
    ], tweet=[
        "Air PDAM {desa} {kab} mati sudah {n} {unit}, tagihan tetap datang",
        "Sudah {n} {unit} air PDAM tidak mengalir di desa {desa}, tolong",
    ]),
    dict(name="listrik_padam", street=False, dated=True, web=[
        "Pada tanggal {date} listrik PLN di Desa {desa}, Kecamatan {kec}, Kabupaten {kab} padam sejak pagi sampai malam tanpa pemberitahuan. Banyak peralatan elektronik warga rusak dan usaha kecil merugi. Mohon PLN menjelaskan penyebab pemadaman dan mencegah terulang.",
        "Listrik di {desa} Kab. {kab} padam total pada tanggal {date} selama lebih dari 10 jam tanpa pemberitahuan. Kami mohon penjelasan dari PLN.",
    ], app=[
        "Listrik PLN padam di Desa {desa} Kab. {kab} tanggal {date} seharian tanpa pemberitahuan.",
        "Tanggal {date} listrik di {desa} mati lebih dari 10 jam, alat elektronik warga rusak.",
    ], sms=[
        "listrik pln desa {desa} padam tgl {date} dari pagi sampai malam tanpa pemberitahuan",
        "tgl {date} listrik di {desa} kab {kab} mati seharian tidak ada pemberitahuan pln",
    ], tweet=[
        "PLN, listrik {desa} {kab} padam seharian tanggal {date} tanpa pemberitahuan",
        "Tanggal {date} listrik di desa {desa} mati lebih dari 10 jam, alat elektronik rusak",
    ]),
    dict(name="ektp", street=False, web=[
        "Saya sudah merekam e-KTP di kantor Disdukcapil Kabupaten {kab} sejak {n} {unit} yang lalu, tetapi sampai sekarang KTP elektronik belum juga jadi. Setiap kali datang ke kantor kecamatan {kec} hanya disuruh menunggu karena blangko habis. Mohon kejelasan kapan KTP saya bisa diambil.",
        "Pembuatan e-KTP di Disdukcapil Kab. {kab} sangat lama. Sudah {n} {unit} sejak perekaman, KTP belum dicetak dengan alasan blangko kosong. Mohon segera diselesaikan.",
    ], app=[
        "e-KTP saya belum jadi sudah {n} {unit} sejak rekam di Disdukcapil {kab}, alasannya blangko habis.",
        "Sudah {n} {unit} KTP elektronik belum dicetak di Disdukcapil Kab. {kab}. Mohon kejelasan.",
    ], sms=[
        "ektp saya belum jadi sudah {n} {unit} sejak rekam di disdukcapil {kab} katanya blangko habis",
        "ktp elektronik belum jadi sudah {n} {unit} di kecamatan {kec} disuruh nunggu terus blangko habis",
    ], tweet=[
        "Disdukcapil {kab}, e-KTP saya belum jadi sudah {n} {unit}, alasannya blangko habis terus",
        "Sudah {n} {unit} rekam e-KTP di {kab} belum dicetak juga",
    ]),
    dict(name="gaji_honorer", street=False, web=[
        "Kami guru honorer di SD Negeri {desa}, Kecamatan {kec}, Kabupaten {kab} belum menerima gaji selama {n} {unit}. Dana BOS katanya sudah cair tetapi honor kami belum dibayarkan oleh sekolah. Mohon dinas pendidikan menindaklanjuti.",
        "Honor guru honorer SDN {desa} Kab. {kab} belum dibayar {n} {unit}. Kami sudah bertanya ke kepala sekolah tetapi tidak ada jawaban yang jelas.",
    ], app=[
        "Gaji guru honorer SDN {desa} Kab. {kab} belum dibayar {n} {unit}, padahal dana BOS sudah cair.",
        "Honor guru honorer di SD Negeri {desa} tertunggak {n} {unit}. Mohon ditindaklanjuti dinas pendidikan.",
    ], sms=[
        "gaji guru honorer sdn {desa} belum dibayar {n} {unit} padahal dana bos sudah cair",
        "honor guru honorer sd negeri {desa} kab {kab} belum dibayar sudah {n} {unit}",
    ], tweet=[
        "Guru honorer SDN {desa} {kab} belum digaji {n} {unit}, dana BOS katanya sudah cair",
        "Honor guru honorer SD Negeri {desa} belum dibayar {n} {unit}",
    ]),
    dict(name="puskesmas", street=False, web=[
        "Pelayanan di Puskesmas {desa}, Kecamatan {kec}, Kabupaten {kab} sangat lambat. Pasien harus antre lebih dari 4 jam dan obat sering kosong sehingga disuruh membeli di apotek luar. Petugas juga sering datang terlambat. Mohon dinas kesehatan melakukan evaluasi.",
        "Kami mengeluhkan Puskesmas {desa} Kab. {kab}: antrean sangat panjang, dokter sering tidak ada, dan obat kosong sudah {n} {unit}. Mohon perbaikan pelayanan.",
    ], app=[
        "Puskesmas {desa} Kab. {kab} pelayanannya lambat, antre 4 jam dan obat sering kosong.",
        "Obat di Puskesmas {desa} kosong sudah {n} {unit}, pasien disuruh beli di apotek luar.",
    ], sms=[
        "puskesmas {desa} pelayanan lambat antre 4 jam obat kosong disuruh beli di apotek luar",
        "obat di puskesmas {desa} kab {kab} kosong sudah {n} {unit} dokter sering tidak ada",
    ], tweet=[
        "Puskesmas {desa} {kab} antre 4 jam, obat kosong disuruh beli di luar",
        "Obat di Puskesmas {desa} kosong sudah {n} {unit}, dokternya juga sering tidak ada",
    ]),
    dict(name="bpjs_ditolak", street=False, dated=True, web=[
        "Pada tanggal {date} ibu saya pasien BPJS Kesehatan ditolak oleh RSUD Kabupaten {kab} dengan alasan kamar penuh, padahal kondisinya darurat. Kami terpaksa membawa ke rumah sakit swasta dan membayar sendiri. Mohon ditindaklanjuti.",
        "RSUD {kab} menolak pasien BPJS pada tanggal {date} dengan alasan kamar penuh. Keluarga kami dari Desa {desa} harus membayar rumah sakit swasta. Mohon investigasi.",
    ], app=[
        "Ibu saya pasien BPJS ditolak RSUD {kab} tanggal {date}, alasannya kamar penuh padahal darurat.",
        "Tanggal {date} pasien BPJS ditolak di RSUD Kab. {kab}, terpaksa ke RS swasta bayar sendiri.",
    ], sms=[
        "ibu saya pasien bpjs ditolak rsud {kab} tgl {date} katanya kamar penuh padahal darurat",
        "tgl {date} pasien bpjs ditolak rsud {kab} terpaksa ke rs swasta bayar sendiri",
    ], tweet=[
        "RSUD {kab} tolak pasien BPJS tanggal {date}, alasan kamar penuh padahal darurat",
        "Tanggal {date} ibu saya pasien BPJS ditolak RSUD {kab}",
    ]),
    dict(name="bansos", street=False, web=[
        "Penyaluran bantuan sosial PKH dan BLT di Desa {desa}, Kecamatan {kec}, Kabupaten {kab} tidak tepat sasaran. Banyak keluarga mampu menerima bantuan sementara warga miskin dan lansia tidak terdaftar. Kami mohon pendataan ulang yang transparan.",
        "Kami melaporkan bansos BLT Dana Desa di {desa} Kab. {kab} yang dibagikan kepada kerabat perangkat desa, sedangkan warga miskin tidak menerima. Mohon diperiksa.",
    ], app=[
        "Bansos PKH/BLT di Desa {desa} Kab. {kab} tidak tepat sasaran, warga miskin tidak dapat.",
        "BLT Dana Desa {desa} dibagikan ke kerabat perangkat desa, warga miskin dan lansia tidak terdaftar.",
    ], sms=[
        "bansos pkh blt di desa {desa} tidak tepat sasaran orang mampu dapat warga miskin tidak dapat",
        "blt dana desa {desa} kab {kab} dibagi ke kerabat perangkat desa warga miskin tidak terdaftar",
    ], tweet=[
        "BLT di desa {desa} {kab} tidak tepat sasaran, yang mampu dapat, lansia miskin tidak",
        "Bansos PKH desa {desa} dibagi ke keluarga perangkat desa",
    ]),
    dict(name="jembatan", street=False, web=[
        "Jembatan gantung penghubung Desa {desa} dan desa sebelah di Kecamatan {kec}, Kabupaten {kab} rusak berat, papan lantainya banyak yang lepas dan tali penahannya putus sebagian. Anak-anak sekolah tetap melewatinya setiap hari. Sudah {n} {unit} tidak ada perbaikan.",
        "Jembatan di {desa} Kab. {kab} hampir putus sejak {n} {unit} lalu. Warga harus memutar sejauh 10 kilometer. Mohon segera dibangun kembali.",
    ], app=[
        "Jembatan gantung Desa {desa} Kab. {kab} rusak berat, papan lepas dan tali putus, sudah {n} {unit}.",
        "Jembatan {desa} hampir putus, anak sekolah tetap lewat setiap hari. Mohon diperbaiki.",
    ], sms=[
        "jembatan gantung desa {desa} rusak berat papan lepas tali putus sudah {n} {unit} anak sekolah tetap lewat",
        "jembatan {desa} kab {kab} hampir putus warga memutar 10 km tolong diperbaiki",
    ], tweet=[
        "Jembatan gantung {desa} {kab} rusak berat, anak sekolah tiap hari lewat situ",
        "Jembatan desa {desa} hampir putus sudah {n} {unit}, tolong",
    ]),
    dict(name="parkir_liar", street=True, web=[
        "Di depan pasar di Jalan {street}, Kabupaten {kab} ada juru parkir liar yang memungut biaya parkir Rp5.000 untuk motor tanpa karcis resmi. Jika menolak, pengendara dimaki. Mohon dinas perhubungan dan kepolisian menertibkan.",
        "Pungutan parkir liar di Jalan {street} Kab. {kab} sangat meresahkan, tarif Rp5.000 tanpa karcis. Sudah {n} {unit} dibiarkan.",
    ], app=[
        "Parkir liar di Jalan {street} {kab} minta Rp5.000 tanpa karcis, yang menolak dimaki.",
        "Juru parkir liar depan pasar Jalan {street} pungut Rp5.000 tanpa karcis resmi.",
    ], sms=[
        "parkir liar di jalan {street} {kab} minta 5000 tanpa karcis kalau tidak mau dimaki",
        "jukir liar depan pasar jalan {street} pungut 5000 tanpa karcis tolong ditertibkan",
    ], tweet=[
        "Parkir liar Jalan {street} {kab} pungut 5rb tanpa karcis, yang nolak dimaki",
        "Jukir liar di pasar Jalan {street} minta 5000 tanpa karcis",
    ]),
    dict(name="sekolah_rusak", street=False, web=[
        "Atap ruang kelas SD Negeri {desa}, Kecamatan {kec}, Kabupaten {kab} bocor dan sebagian plafon sudah runtuh. Saat hujan murid dipulangkan lebih awal. Kondisi ini sudah {n} {unit} dan belum ada rehabilitasi dari dinas pendidikan.",
        "Bangunan SDN {desa} Kab. {kab} rusak: atap bocor, plafon jebol, dinding retak. Sudah {n} {unit} murid belajar dalam kondisi berbahaya.",
    ], app=[
        "Atap kelas SDN {desa} Kab. {kab} bocor dan plafon runtuh, sudah {n} {unit} belum direhab.",
        "Plafon SD Negeri {desa} jebol, murid dipulangkan kalau hujan.",
    ], sms=[
        "atap kelas sdn {desa} bocor plafon runtuh sudah {n} {unit} murid dipulangkan kalau hujan",
        "sd negeri {desa} kab {kab} atap bocor plafon jebol dinding retak bahaya untuk murid",
    ], tweet=[
        "Atap SDN {desa} {kab} bocor, plafon runtuh, murid dipulangkan tiap hujan",
        "SD Negeri {desa} rusak parah sudah {n} {unit}, plafon jebol",
    ]),
    dict(name="pohon_tumbang", street=True, dated=True, web=[
        "Pada tanggal {date} sebuah pohon besar tumbang di Jalan {street}, Kabupaten {kab} dan menutup separuh badan jalan serta menimpa kabel listrik. Sampai sekarang belum dievakuasi. Mohon BPBD dan dinas terkait segera menangani.",
        "Pohon tumbang di Jalan {street} {desa} Kab. {kab} sejak tanggal {date} belum dipotong dan menghalangi jalan.",
    ], app=[
        "Pohon besar tumbang di Jalan {street} {kab} tanggal {date}, menutup jalan dan menimpa kabel.",
        "Tanggal {date} pohon tumbang di Jalan {street}, sampai sekarang belum dievakuasi.",
    ], sms=[
        "pohon tumbang di jalan {street} {kab} tgl {date} tutup jalan timpa kabel listrik belum dievakuasi",
        "tgl {date} pohon besar tumbang jalan {street} menghalangi jalan tolong bpbd",
    ], tweet=[
        "Pohon tumbang di Jalan {street} {kab} sejak tanggal {date}, tutup setengah jalan",
        "Tanggal {date} pohon tumbang Jalan {street} timpa kabel listrik",
    ]),
    dict(name="debu_tambang", street=True, web=[
        "Truk pengangkut batu bara melintas di Jalan {street}, Desa {desa}, Kabupaten {kab} siang dan malam tanpa penutup bak sehingga debu beterbangan ke rumah warga. Banyak anak terkena ISPA. Mohon pemerintah menertibkan jam operasional truk tambang.",
        "Debu dari truk tambang di Jalan {street} {desa} Kab. {kab} sangat mengganggu, sudah {n} {unit}. Jalan juga jadi rusak.",
    ], app=[
        "Truk batu bara lewat Jalan {street} Desa {desa} tanpa penutup, debu masuk rumah, anak-anak ISPA.",
        "Debu truk tambang di Jalan {street} {kab} mengganggu warga sudah {n} {unit}.",
    ], sms=[
        "truk batu bara lewat jalan {street} desa {desa} tanpa penutup debu masuk rumah anak ispa",
        "debu truk tambang jalan {street} {kab} parah sudah {n} {unit} tolong ditertibkan",
    ], tweet=[
        "Truk batu bara di Jalan {street} {desa} tanpa penutup bak, debu masuk rumah warga",
        "Debu truk tambang Jalan {street} {kab} bikin anak-anak ISPA",
    ]),
    dict(name="irigasi", street=False, web=[
        "Saluran irigasi di Desa {desa}, Kecamatan {kec}, Kabupaten {kab} jebol sepanjang 50 meter sehingga air tidak sampai ke sawah. Sudah {n} {unit} petani tidak bisa menanam padi. Mohon dinas pertanian dan PU segera memperbaiki.",
        "Irigasi di {desa} Kab. {kab} rusak dan jebol, sawah kekeringan selama {n} {unit}. Petani terancam gagal panen.",
    ], app=[
        "Saluran irigasi Desa {desa} Kab. {kab} jebol 50 meter, sawah tidak dapat air sudah {n} {unit}.",
        "Irigasi {desa} rusak, petani tidak bisa tanam padi.",
    ], sms=[
        "saluran irigasi desa {desa} jebol 50 meter air tidak sampai sawah sudah {n} {unit}",
        "irigasi {desa} kab {kab} rusak sawah kering petani terancam gagal panen",
    ], tweet=[
        "Irigasi desa {desa} {kab} jebol, sawah kering sudah {n} {unit}",
        "Saluran irigasi {desa} rusak 50 meter, petani tidak bisa tanam",
    ]),
    dict(name="pupuk", street=False, web=[
        "Pupuk bersubsidi urea dan NPK di kios resmi Desa {desa}, Kecamatan {kec}, Kabupaten {kab} langka sejak {n} {unit}. Kalau ada, dijual di atas harga eceran tertinggi. Petani terpaksa membeli pupuk nonsubsidi yang mahal.",
        "Kami petani {desa} Kab. {kab} kesulitan mendapatkan pupuk subsidi, kios bilang stok habis tetapi pupuk dijual ke luar daerah dengan harga tinggi.",
    ], app=[
        "Pupuk subsidi di kios Desa {desa} Kab. {kab} langka sudah {n} {unit}, dijual di atas HET.",
        "Petani {desa} susah dapat pupuk urea subsidi, kios bilang habis.",
    ], sms=[
        "pupuk subsidi di kios desa {desa} langka sudah {n} {unit} kalau ada dijual di atas het",
        "petani {desa} kab {kab} susah dapat pupuk urea subsidi kios bilang habis",
    ], tweet=[
        "Pupuk subsidi langka di {desa} {kab}, kalau ada harganya di atas HET",
        "Petani desa {desa} tidak dapat pupuk urea subsidi sudah {n} {unit}",
    ]),
    dict(name="kebisingan", street=True, web=[
        "Tempat hiburan karaoke di Jalan {street}, Kabupaten {kab} beroperasi sampai pukul 3 pagi dengan suara musik sangat keras. Warga sekitar tidak bisa tidur dan sudah menegur berkali-kali tanpa hasil. Mohon satpol PP menindak sesuai perda.",
        "Karaoke di Jalan {street} {desa} Kab. {kab} bising sampai dini hari sudah {n} {unit}, mengganggu warga dan anak sekolah.",
    ], app=[
        "Karaoke di Jalan {street} {kab} buka sampai jam 3 pagi, musiknya keras sekali.",
        "Suara karaoke Jalan {street} mengganggu warga sampai dini hari.",
    ], sms=[
        "karaoke di jalan {street} {kab} buka sampai jam 3 pagi musik keras warga tidak bisa tidur",
        "tolong satpol pp karaoke jalan {street} bising sampai dini hari sudah {n} {unit}",
    ], tweet=[
        "Karaoke Jalan {street} {kab} bising sampai jam 3 pagi, warga tidak bisa tidur",
        "Satpol PP tolong tertibkan karaoke di Jalan {street}",
    ]),
    dict(name="sertifikat", street=False, web=[
        "Saya mengurus sertifikat tanah melalui program PTSL di Kantor Pertanahan Kabupaten {kab} sejak {n} {unit} yang lalu. Semua berkas sudah lengkap dan biaya sudah dibayar ke panitia desa {desa}, tetapi sertifikat belum terbit. Mohon kejelasan.",
        "Sertifikat PTSL warga Desa {desa} Kab. {kab} belum terbit setelah {n} {unit}, padahal panitia desa memungut biaya Rp500.000 per bidang.",
    ], app=[
        "Sertifikat tanah PTSL saya di BPN {kab} belum terbit sudah {n} {unit}, berkas lengkap.",
        "Panitia PTSL Desa {desa} pungut Rp500.000 per bidang, sertifikat belum terbit.",
    ], sms=[
        "sertifikat tanah ptsl saya di bpn {kab} belum terbit sudah {n} {unit} berkas sudah lengkap",
        "panitia ptsl desa {desa} pungut 500 ribu per bidang sertifikat belum terbit",
    ], tweet=[
        "Sertifikat PTSL di BPN {kab} belum terbit sudah {n} {unit}",
        "PTSL desa {desa} dipungut 500rb per bidang, sertifikat tidak terbit",
    ]),
    dict(name="pungli_sekolah", street=False, web=[
        "SMP Negeri di Kecamatan {kec}, Kabupaten {kab} memungut uang seragam dan uang gedung sebesar Rp1.500.000 kepada siswa baru, padahal sekolah negeri seharusnya gratis. Orang tua yang tidak mampu merasa terbebani. Mohon ditertibkan.",
        "Pungutan uang gedung Rp1.500.000 di SMPN Kec. {kec} Kab. {kab} untuk siswa baru sangat memberatkan warga {desa}.",
    ], app=[
        "SMPN di Kec. {kec} {kab} pungut uang gedung dan seragam Rp1.500.000 dari siswa baru.",
        "Pungli uang gedung di SMP negeri Kecamatan {kec}, orang tua keberatan.",
    ], sms=[
        "smpn kec {kec} pungut uang gedung seragam 1500000 siswa baru padahal sekolah negeri gratis",
        "pungli uang gedung smp negeri kecamatan {kec} kab {kab} 1,5 juta memberatkan",
    ], tweet=[
        "SMPN Kec. {kec} {kab} pungut uang gedung 1,5 juta dari siswa baru",
        "Pungli seragam dan uang gedung di SMP negeri Kecamatan {kec}",
    ]),
    dict(name="anjing_liar", street=False, web=[
        "Di Desa {desa}, Kecamatan {kec}, Kabupaten {kab} banyak anjing liar berkeliaran dan sudah menggigit tiga anak dalam {n} {unit} terakhir. Warga takut rabies. Mohon dinas peternakan melakukan vaksinasi dan penertiban.",
        "Anjing liar di {desa} Kab. {kab} menggigit anak-anak, warga khawatir rabies. Sudah {n} {unit} tidak ada tindakan.",
    ], app=[
        "Banyak anjing liar di Desa {desa} Kab. {kab}, tiga anak sudah digigit.",
        "Anjing liar di {desa} menggigit anak, takut rabies, mohon vaksinasi.",
    ], sms=[
        "anjing liar di desa {desa} banyak sudah gigit tiga anak takut rabies tolong vaksinasi",
        "tolong dinas peternakan anjing liar {desa} kab {kab} gigit anak anak",
    ], tweet=[
        "Anjing liar di desa {desa} {kab} sudah gigit 3 anak, warga takut rabies",
        "Tolong tertibkan anjing liar di {desa}",
    ]),
]
assert len(TOPICS) == 22

UNITS = [("bulan", range(2, 9)), ("minggu", range(2, 6)), ("tahun", range(1, 3))]
SMS_ABBR = {"yang": ["yg"], "tidak": ["tdk", "gak", "ga", "tak"], "sudah": ["sdh", "udh", "udah"],
            "jalan": ["jln", "jl"], "dengan": ["dgn"], "karena": ["krn"], "untuk": ["utk"],
            "kabupaten": ["kab"], "kab": ["kab", "kab."], "kecamatan": ["kec"], "desa": ["ds", "desa"],
            "belum": ["blm"], "tolong": ["tlg", "tolong"], "bulan": ["bln"], "tahun": ["thn"], "minggu": ["mgg"],
            "sekarang": ["skrg"], "banyak": ["byk", "bnyk"], "saya": ["sy"], "dari": ["dr"], "lagi": ["lg"],
            "juga": ["jg"], "kalau": ["klo", "kalo"], "sampai": ["smp", "sampe"], "warga": ["wrg"],
            "rusak": ["rusak", "rsk", "rusakkk"], "parah": ["parahhh", "parah"], "sekali": ["bgt", "banget"],
            "diperbaiki": ["diperbaiki", "dibenerin", "dprbaiki"], "tanggal": ["tgl"], "mohon": ["mhn"],
            "terima": ["trm"], "menumpuk": ["numpuk"], "tidur": ["tdr"]}


def fill(template, inc):
    return template.format(**inc)


def sms_noise(text):
    words = text.split()
    out = []
    for w in words:
        core = w.strip(",.").lower()
        if core in SMS_ABBR and rng.random() < 0.7:
            w = rng.choice(SMS_ABBR[core])
        elif len(core) > 6 and core.isalpha() and not w[:1].isupper() and rng.random() < 0.08:
            w = core[0] + "".join(c for c in core[1:] if c not in "aeiou")  # dropped vowels: "prbaiki"
        out.append(w)
    s = " ".join(out)
    r = rng.random()
    if r < 0.3:
        s = s.upper()
    elif r < 0.5:
        s = s.capitalize()
    p = rng.random()
    if p < 0.15:
        s = "LAPOR " + s
    elif p < 0.25:
        s = "INFO " + s
    if rng.random() < 0.3:
        s += rng.choice(["!!!", " tlg dong", " trims", " mksh", "..", " please"])
    return s


def tweet_noise(text, inc):
    tags = ["#" + inc["kab"].replace(" ", ""), "#LaporPakBupati", "#JalanRusak", "#PelayananPublik",
            "#" + inc["topic"].title().replace("_", "")]
    s = "@lapor1708 " + text
    if rng.random() < 0.7:
        s += " " + " ".join(rng.sample(tags, rng.randint(1, 2)))
    if rng.random() < 0.3:
        s += " https://t.co/" + "".join(rng.choice("abcdefghijkmnopqrstuvwxyz0123456789") for _ in range(10))
    if rng.random() < 0.3:
        s = s.replace("@lapor1708 ", "@lapor1708 @pemkab" + inc["kab"].split()[0].lower() + " ")
    return s


def web_noise(text):
    # Citizens type web forms too: sometimes a typo, sometimes an extra sentence.
    if rng.random() < 0.3:
        text += rng.choice([" Terima kasih atas perhatiannya.", " Atas perhatian Bapak/Ibu kami ucapkan terima kasih.",
                            " Mohon segera ditindaklanjuti, terima kasih.", " Foto terlampir."])
    if rng.random() < 0.2:
        text = text.replace("sudah", "sudha", 1)
    return text


def phone():
    return "0" + rng.choice(["812", "813", "821", "852", "853", "857", "878", "896"]) + "".join(
        rng.choice("0123456789") for _ in range(rng.choice([7, 8])))


def phone_variant(p):
    # The same number as another channel writes it.
    r = rng.random()
    if r < 0.33:
        return "+62" + p[1:]
    if r < 0.66:
        return "62" + p[1:]
    return p[:4] + "-" + p[4:8] + "-" + p[8:]


def email_for(name):
    base = name.lower().replace(" ", rng.choice([".", "", "_"]))
    return base + str(rng.randint(1, 99)) + "@" + rng.choice(["gmail.com", "yahoo.co.id", "gmail.com", "outlook.com"])


def email_variant(e):
    local, domain = e.split("@")
    if domain == "gmail.com" and rng.random() < 0.5:
        return local.replace(".", "").upper() + "@Gmail.com"
    return local.capitalize() + "@" + domain.upper()


def handle_for(name):
    return name.lower().split()[0] + rng.choice(["_", ""]) + str(rng.randint(10, 999))


def incident(topic=None, kab=None, street=None, date_day=None):
    topic = topic or rng.choice(TOPICS)
    kab = kab or rng.choice(list(PLACES))
    kec, desa = rng.choice(PLACES[kab])
    unit, span = rng.choice(UNITS)
    return dict(topic=topic["name"], t=topic, kab=kab, kec=kec, desa=desa,
                street=street or rng.choice(STREETS), n=rng.choice(list(span)), unit=unit,
                date=f"{date_day or rng.randint(1, 28)} {rng.choice(MONTHS)}")


def text_for(inc, register):
    t = inc["t"]
    body = fill(rng.choice(t[register]), inc)
    if register == "sms":
        return "", sms_noise(body)
    if register == "tweet":
        return "", tweet_noise(body, inc)
    if register == "web":
        title = rng.choice([f"{inc['topic'].replace('_', ' ').title()} di {inc['desa']}",
                            f"Laporan {inc['topic'].replace('_', ' ')} {inc['kab']}", ""])
        return title, web_noise(body)
    return "", body


CHANNEL_OF = {"sms": "sms", "web": "web", "app": "mobile", "tweet": "twitter"}


def report(inc, register, who, day, with_location=None):
    title, body = text_for(inc, register)
    r = {"channel": CHANNEL_OF[register], "phone": None, "email": None, "twitter": None,
         "title": title, "body": body, "location": "", "day": day}
    if register == "sms":
        r["phone"] = who["phone"]
    elif register == "tweet":
        r["twitter"] = who["twitter"]
    else:
        if who.get("web_phone") or not who.get("email_only"):
            r["phone"] = who.get("web_phone") or phone_variant(who["phone"])
        if who.get("email") and (who.get("email_only") or rng.random() < 0.5):
            r["email"] = who["email"] if rng.random() < 0.5 else email_variant(who["email"])
    if register in ("web", "app") and (with_location or (with_location is None and rng.random() < 0.5)):
        r["location"] = f"Desa {inc['desa']}, Kec. {inc['kec']}, Kab. {inc['kab']}"
    return r


def person():
    name = rng.choice(NAMES)
    return {"name": name, "phone": phone(), "email": email_for(name), "twitter": handle_for(name)}


pairs = []


def add(case, label, a, b, links=()):
    pairs.append({"id": len(pairs) + 1, "case": case, "label": label, "a": a, "b": b, "links": [list(l) for l in links]})


REG_PAIRS_POS = [("sms", "web"), ("web", "sms"), ("app", "web"), ("sms", "app"), ("web", "app"), ("sms", "sms")]

# ---- duplicates: one person, one incident, two channels / wordings, within 7 days ----
for i in range(70):
    p = person()
    inc = incident()
    ra, rb = REG_PAIRS_POS[i % len(REG_PAIRS_POS)]
    add("same_phone_" + ra + "_" + rb, "duplicate", report(inc, ra, p, 0), report(inc, rb, p, rng.randint(0, 6)))
for i in range(30):  # a tweet and an SMS/web report: the handle was linked to the phone earlier
    p = person()
    inc = incident()
    other = rng.choice(["sms", "web", "app"])
    a, b = (report(inc, "tweet", p, 0), report(inc, other, p, rng.randint(0, 5)))
    if rng.random() < 0.5:
        a, b = b, a
    add("tweet_linked_" + other, "duplicate", a, b, links=[("twitter:" + p["twitter"], "tel:+62" + p["phone"][1:])])
for i in range(25):  # e-mail only (web form and app with the same address, case/dots differ)
    p = person()
    p["email_only"] = True
    inc = incident()
    add("same_email_web_app", "duplicate", report(inc, "web", p, 0), report(inc, "app", p, rng.randint(0, 6)))
for i in range(25):  # the same person re-sends by SMS a few days later, retyped
    p = person()
    inc = incident()
    add("sms_resend", "duplicate", report(inc, "sms", p, 0), report(inc, "sms", p, rng.randint(1, 6)))

# ---- hard negatives ----
for i in range(40):  # same person, same problem, same road name, different kabupaten
    p = person()
    topic = rng.choice([t for t in TOPICS if t["street"]])
    street = rng.choice(STREETS)
    k1, k2 = rng.sample(list(PLACES), 2)
    i1, i2 = incident(topic, k1, street), incident(topic, k2, street)
    ra, rb = rng.choice(REG_PAIRS_POS)
    a, b = report(i1, ra, p, 0, True), report(i2, rb, p, rng.randint(0, 6), True)
    # Both texts name their kabupaten (see the module docstring).
    for r, inc in ((a, i1), (b, i2)):
        if inc["kab"] not in r["body"] and inc["kab"] not in r["location"]:
            r["body"] += f" Kab. {inc['kab']}"
    add("same_road_other_kabupaten", "distinct", a, b)
for i in range(35):  # same person, same kind of complaint, another date (separate incidents)
    p = person()
    topic = rng.choice([t for t in TOPICS if t.get("dated")])
    kab = rng.choice(list(PLACES))
    d1 = rng.randint(1, 20)
    d2 = d1 + rng.randint(2, 7)
    i1 = incident(topic, kab, None, d1)
    i2 = dict(i1)
    i2["date"] = f"{d2} {i1['date'].split()[1]}"
    ra, rb = rng.choice(REG_PAIRS_POS)
    add("same_type_other_date", "distinct", report(i1, ra, p, 0), report(i2, rb, p, d2 - d1))
for i in range(30):  # same person, same problem, same kabupaten, another street
    p = person()
    topic = rng.choice([t for t in TOPICS if t["street"]])
    kab = rng.choice(list(PLACES))
    s1, s2 = rng.sample(STREETS, 2)
    ra, rb = rng.choice(REG_PAIRS_POS)
    add("same_type_other_street", "distinct", report(incident(topic, kab, s1), ra, p, 0),
        report(incident(topic, kab, s2), rb, p, rng.randint(0, 6)))
for i in range(30):  # same person, another problem in the same place
    p = person()
    t1, t2 = rng.sample(TOPICS, 2)
    kab = rng.choice(list(PLACES))
    i1 = incident(t1, kab)
    i2 = incident(t2, kab)
    i2["desa"], i2["kec"] = i1["desa"], i1["kec"]
    ra, rb = rng.choice(REG_PAIRS_POS)
    add("same_person_other_problem", "distinct", report(i1, ra, p, 0), report(i2, rb, p, rng.randint(0, 6)))
for i in range(20):  # the same complaint again, after the 7-day window: a new complaint by design
    p = person()
    inc = incident()
    ra, rb = rng.choice(REG_PAIRS_POS)
    add("outside_window", "distinct", report(inc, ra, p, 0), report(inc, rb, p, rng.randint(8, 20)))
for i in range(30):  # two people independently report the same incident in their own words
    p1, p2 = person(), person()
    inc = incident()
    ra, rb = rng.choice(REG_PAIRS_POS)
    add("other_person_same_incident", "distinct", report(inc, ra, p1, 0), report(inc, rb, p2, rng.randint(0, 6)))

# ---- campaigns: different people, (nearly) the same text ----
for i in range(35):
    p1, p2 = person(), person()
    inc = incident()
    title, body = text_for(inc, rng.choice(["web", "app"]))
    copy = body
    if rng.random() < 0.5:
        copy = body + rng.choice([" Terima kasih.", " Mohon ditindaklanjuti.", " #SaveWarga"])
    ch_a, ch_b = rng.choice([("web", "mobile"), ("web", "web"), ("mobile", "sms"), ("sms", "sms")])
    a = {"channel": ch_a, "phone": phone_variant(p1["phone"]), "email": None, "twitter": None, "title": title,
         "body": body, "location": "", "day": 0}
    b = {"channel": ch_b, "phone": phone_variant(p2["phone"]), "email": None, "twitter": None, "title": title,
         "body": copy, "location": "", "day": rng.randint(0, 3)}
    add("campaign", "related", a, b)

rng.shuffle(pairs)
for n, p in enumerate(pairs, 1):
    p["id"] = n
for p in pairs:
    sys.stdout.write(json.dumps(p, ensure_ascii=False) + "\n")
