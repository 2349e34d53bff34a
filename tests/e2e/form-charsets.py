#!/usr/bin/env python3
"""form-charsets.py - writes the cases of form-charsets.sh: nomination forms
written natively in each of the six languages, in UTF-8 and in the legacy
charsets people's mailers still use, as ready MIME entities (the part a
signer signs: Content-Type with the charset, Content-Transfer-Encoding,
the encoded body, CRLF), with an RFC 2047 subject in the same charset.

  form-charsets.py TOP DIR

TOP is the project (templates/<lang>/ are read); DIR receives, per case N:
  N.entity   the MIME entity to sign (bytes as sent)
  N.subject  the Subject field's value (RFC 2047, or raw 8-bit UTF-8)
  N.expect   what sqlite3 prints for the stored record (see form-charsets.sh)
and DIR/index, one line per case, tab-separated:
  N  LANG  SIGN(pgp|smime)  E-MAIL  DESCRIPTION
"""
import base64
import binascii
import os
import sys

TOP, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)

# Python's codec for each charset named in Content-Type.
CODEC = {
    "UTF-8": "utf-8", "us-ascii": "ascii",
    "ISO-8859-1": "latin-1", "ISO-8859-15": "iso8859-15", "windows-1252": "cp1252",
    "KOI8-R": "koi8-r", "windows-1251": "cp1251",
    "windows-1256": "cp1256", "ISO-8859-6": "iso8859-6",
    "GB2312": "gb2312", "GBK": "gbk", "GB18030": "gb18030", "Big5": "big5",
}

TYPES = ["technical", "diplomatic", "policy", "law-enforcement"]

# Per language: the letter around the form, the form's words (labels from
# templates/<lang>/words.txt, the State named in the language), and per
# charset an organisation name using the letters that charset is for.
LANGS = {
    "fr": {
        "charsets": ["UTF-8", "ISO-8859-1", "ISO-8859-15", "windows-1252"],
        "before": "Madame, Monsieur,\n\nVeuillez trouver ci-dessous la désignation d'un point de contact "
                  "de la France.\n\n",
        "after": "\nNous vous prions d'agréer l'expression de notre haute considération.\n\n"
                 "Le bureau de la cybersécurité\n",
        "verb": "DÉSIGNATION",
        "labels": ["État", "Type de point de contact", "Organisme", "Page Web", "Courriel", "Téléphone", "Langues"],
        "colon": " : ",
        "state": "France",
        "types": ["technique", "diplomatique", "politique", "application de la loi"],
        "languages": ("français, anglais", "fr,en"),
        "subject": "Désignation d'un point de contact – n° {n}",
        "orgs": {
            "UTF-8": "Agence nationale de la sécurité des systèmes d’information — pôle « Cœur », bureau {n}",
            "ISO-8859-1": "Centre gouvernemental de veille, d'alerte et de réponse aux attaques informatiques « CERT-FR » n° {n}",
            "ISO-8859-15": "Délégation aux œuvres numériques (budget 5 000 €), bureau {n}",
            "windows-1252": "Ministère de l’Europe et des Affaires étrangères – sous-direction « Cœur numérique » n° {n}",
        },
        "subjects": {"ISO-8859-1": "Désignation d'un point de contact n° {n}",
                     "ISO-8859-15": "Désignation : œuvre n° {n}"},
    },
    "es": {
        "charsets": ["UTF-8", "ISO-8859-1", "ISO-8859-15", "windows-1252"],
        "before": "Estimados señores:\n\nAdjunto les remitimos la designación de un punto de contacto "
                  "de Francia.\n\n",
        "after": "\nAprovechamos la ocasión para saludarles atentamente.\n\nLa Oficina de Ciberseguridad\n",
        "verb": "DESIGNACIÓN",
        "labels": ["Estado", "Tipo de punto de contacto", "Organismo", "Página web", "Correo electrónico",
                   "Teléfono", "Idiomas"],
        "colon": ": ",
        "state": "Francia",
        "types": ["técnico", "diplomático", "de políticas", "de aplicación de la ley"],
        "languages": ("español, francés", "es,fr"),
        "subject": "Designación de un punto de contacto n.º {n}",
        "orgs": {
            "UTF-8": "Instituto Nacional de Ciberseguridad de España — «Año Ñandú», oficina {n}",
            "ISO-8859-1": "Ministerio de Asuntos Exteriores, Unión Europea y Cooperación ¿CCN? ¡Sí! n.º {n}",
            "ISO-8859-15": "Oficina de Coordinación de Ciberseguridad (presupuesto 20 000 €), oficina {n}",
            "windows-1252": "Mando Conjunto del Ciberespacio – «Unidad de Respuesta» ‘MCCE’ n.º {n}",
        },
        "subjects": {},
    },
    "ru": {
        "charsets": ["UTF-8", "KOI8-R", "windows-1251"],
        "before": "Уважаемые коллеги!\n\nНаправляем назначение контактного пункта Франции.\n\n",
        "after": "\nС уважением,\nДепартамент международной информационной безопасности\n",
        "verb": "НАЗНАЧЕНИЕ",
        "labels": ["Государство", "Тип контактного пункта", "Организация", "Веб-страница", "Электронная почта",
                   "Телефон", "Языки"],
        "colon": ": ",
        "state": "Франция",
        "types": ["технический", "дипломатический", "политический", "правоохранительный"],
        "languages": ("русский, французский", "ru,fr"),
        "subject": "Назначение контактного пункта, отдел {n}",
        "orgs": {
            "UTF-8": "Национальный координационный центр по компьютерным инцидентам «НКЦКИ» № {n}",
            "KOI8-R": "Объединённый центр реагирования на компьютерные инциденты, отдел {n}",
            "windows-1251": "Управление «К» МВД России, ёлочный отдел № {n}",
        },
        "subjects": {},
    },
    "ar": {
        "charsets": ["UTF-8", "windows-1256", "ISO-8859-6"],
        "before": "السادة الكرام،\n\nنرفق طيه ترشيح جهة اتصال لفرنسا.\n\n",
        "after": "\nوتفضلوا بقبول فائق الاحترام والتقدير.\n\nإدارة الأمن السيبراني\n",
        "verb": "ترشيح",
        "labels": ["الدولة", "نوع جهة الاتصال", "المؤسسة", "الصفحة الشبكية", "البريد الإلكتروني", "الهاتف",
                   "اللغات"],
        "colon": ": ",
        "state": "فرنسا",
        "types": ["تقني", "دبلوماسي", "سياسات", "إنفاذ القانون"],
        "languages": ("العربية، الفرنسية", "ar,fr"),
        "subject": "ترشيح جهة اتصال، الوحدة {n}",
        "orgs": {
            "UTF-8": "الهيئة الوطنية للأمن السيبراني، الوحدة {n}",
            "windows-1256": "المركز الوطني للاستجابة لطوارئ الحاسب الآلي، الوحدة {n}",
            "ISO-8859-6": "وزارة الخارجية، إدارة الأمن السيبراني، الوحدة {n}",
        },
        "subjects": {},
    },
    "zh": {
        "charsets": ["UTF-8", "GB2312", "GBK", "GB18030", "Big5"],
        "before": "尊敬的秘书处：\n\n现将法国联络点提名表格发送如下。\n\n",
        "after": "\n此致\n敬礼\n\n网络事务办公室\n",
        "verb": "提名",
        "labels": ["国家", "联络点类型", "机构", "网页", "电子邮件", "电话", "语言"],
        "colon": "：",
        "state": "法国",
        "types": ["技术", "外交", "政策", "执法"],
        "languages": ("中文、法语", "zh,fr"),
        "subject": "联络点提名（第{n}号）",
        "orgs": {
            "UTF-8": "国家计算机网络应急技术处理协调中心第{n}处",
            "GB2312": "中华人民共和国外交部网络事务办公室第{n}处",
            "GBK": "國家網絡安全協調中心（喆）第{n}處",
            "GB18030": "国家网络安全应急中心（𠮷林分部）第{n}处",
        },
        "subjects": {},
        # Big5 is traditional Chinese: the traditional words of words.txt
        "big5": {
            "before": "敬啟者：\n\n茲將法國聯絡點提名表格發送如下。\n\n",
            "after": "\n此致\n敬禮\n\n網路事務辦公室\n",
            "labels": ["國家", "聯絡點類型", "機構", "網頁", "電子郵件", "電話", "語言"],
            "state": "法國",
            "types": ["技術", "外交", "政策", "執法"],
            "languages": ("中文、法語", "zh,fr"),
            "subject": "聯絡點提名（第{n}號）",
            "org": "臺灣電腦網路危機處理暨協調中心第{n}處",
        },
    },
    "en": {
        "charsets": ["UTF-8", "us-ascii"],
        "before": "Dear colleagues,\n\nPlease find below the nomination of a point of contact for France.\n\n",
        "after": "\nYours faithfully,\n\nCyber Affairs Office\n",
        "verb": "NOMINATE",
        "labels": ["State", "POC type", "Organisation", "Web page", "E-mail", "Phone", "Languages"],
        "colon": ": ",
        "state": "France",
        "types": ["technical", "diplomatic", "policy", "law enforcement"],
        "languages": ("English, French", "en,fr"),
        "subject": "Nomination of a point of contact no. {n}",
        "orgs": {
            "UTF-8": "Cyber Security Agency — “Response Team” № {n}",
            "us-ascii": "National Cyber Security Centre (NCSC), desk {n}",
        },
        "subjects": {"UTF-8": "Nomination — “point of contact” no. {n}"},
    },
}

index = []
count = 0


def crlf(text_bytes):
    return text_bytes.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def encode_body(raw, cte):
    """raw: the body in its charset, LF line ends. Returns the encoded body, CRLF."""
    if cte == "8bit":
        return crlf(raw)
    if cte == "base64":
        b = base64.b64encode(crlf(raw))
        return b"".join(b[i:i + 76] + b"\r\n" for i in range(0, len(b), 76))
    if cte == "quoted-printable":
        return crlf(binascii.b2a_qp(raw, istext=True))
    raise ValueError(cte)


def rfc2047(text, charset, mode):
    """text as encoded-words of charset (B or Q), each at most 75 bytes,
    split between characters, folded."""
    codec = CODEC[charset]
    words, chunk = [], ""

    def word(s):
        data = s.encode(codec)
        if mode == "B":
            enc = base64.b64encode(data).decode()
        else:
            enc = "".join(c if (c.isalnum() and c.isascii()) else "_" if c == " " else "=%02X" % ord(c)
                          for c in data.decode("latin-1"))
        return "=?%s?%s?%s?=" % (charset, mode, enc)

    for ch in text:
        if chunk and len(word(chunk + ch)) > 75:
            words.append(word(chunk))
            chunk = ""
        chunk += ch
    if chunk:
        words.append(word(chunk))
    return "\n ".join(words)


def write_case(lang, sign, email, what, entity, subject, expect):
    global count
    count += 1
    name = "c%d" % count
    with open(os.path.join(OUT, name + ".entity"), "wb") as f:
        f.write(entity)
    with open(os.path.join(OUT, name + ".subject"), "wb") as f:
        f.write(subject)
    with open(os.path.join(OUT, name + ".expect"), "wb") as f:
        f.write(expect.encode("utf-8"))
    index.append("\t".join([name, lang, sign, email, what]))


def expect_line(org, typ, email, e164, codes):
    # organisation|type|state|e-mails|E.164 phones|language codes
    return "|".join([org, typ, "FR", email, e164, codes])


# ---- the matrix: language x charset x transfer encoding ----
ENCODINGS = ["quoted-printable", "base64", "8bit"]
k = 0


def matrix_case(lang, L, charset, cte, state=True):
    global k
    k += 1
    n = count + 1
    W = dict(L)
    if charset == "Big5":
        W.update(L["big5"])
        org = L["big5"]["org"].format(n=n)
    else:
        org = L["orgs"][charset].format(n=n)
    t = k % 4
    typ_word, typ = W["types"][t], TYPES[t]
    langs_text, codes = W["languages"]
    email = "%s-%s-%d@poc.example" % (lang, charset.lower().replace("-", ""), n)
    phone = "+33 1 71 75 %02d %02d" % (n // 100, n % 100)
    e164 = "+3317175%02d%02d" % (n // 100, n % 100)
    lab, colon = W["labels"], W["colon"]
    if lang == "fr" and charset == "windows-1252":
        colon = "\u00a0: "	# French typography: a no-break space before the colon
    lines = [W["verb"]]
    if state:
        lines.append(lab[0] + colon + W["state"])
    lines += [lab[1] + colon + typ_word,
              lab[2] + colon + org,
              lab[3] + colon + "https://www.ssi.gouv.example/",
              lab[4] + colon + email,
              lab[5] + colon + phone,
              lab[6] + colon + langs_text]
    body = W["before"] + "\n".join(lines) + "\n" + W["after"]
    codec = CODEC[charset]
    raw = body.encode(codec)	# fails loudly if a word is not in the charset
    entity = ("Content-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n"
              % (charset, cte)).encode() + encode_body(raw, cte)
    subj_text = W.get("subjects", {}).get(charset, W["subject"]).format(n=n)
    subj_text.encode(codec)
    subject = rfc2047(subj_text, charset, "B" if k % 2 else "Q").encode()
    # S/MIME for one message in three, turning through the transfer encodings
    sign = "smime" if (k + (k - 1) // 3) % 3 == 0 else "pgp"
    what = "%s %s %s%s" % (lang, charset, cte, (", State " + W["state"]) if state else ", State left out")
    write_case(lang, sign, email, "%s (%s)" % (what, "S/MIME" if sign == "smime" else "PGP/MIME"),
               entity, subject, expect_line(org, typ, email, e164, codes))


for lang, L in LANGS.items():
    for charset in L["charsets"]:
        for cte in ENCODINGS:
            matrix_case(lang, L, charset, cte)
# The State in traditional characters (法國) is how a Big5 writer names
# France; one Big5 form also leaves the State out (the signer's State).
matrix_case("zh", LANGS["zh"], "Big5", "base64", state=False)

# ---- undeclared charset: 8-bit UTF-8 with no charset parameter ----
for i, (lang, L) in enumerate(LANGS.items()):
    n = count + 1
    org = L["orgs"]["UTF-8"].format(n=n)
    email = "%s-undeclared-%d@poc.example" % (lang, n)
    phone = "+33 1 71 75 %02d %02d" % (n // 100, n % 100)
    e164 = "+3317175%02d%02d" % (n // 100, n % 100)
    lab, colon = L["labels"], L["colon"]
    lines = [L["verb"], lab[0] + colon + L["state"], lab[1] + colon + L["types"][0], lab[2] + colon + org,
             lab[4] + colon + email, lab[5] + colon + phone, lab[6] + colon + L["languages"][0]]
    body = (L["before"] + "\n".join(lines) + "\n" + L["after"]).encode("utf-8")
    # half with a Content-Type lacking the charset, half with no CTE either
    if i % 2 == 0:
        head = "Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    else:
        head = "Content-Type: text/plain; format=flowed\r\n\r\n"
    entity = head.encode() + crlf(body)
    subject = L["subject"].format(n=n).encode("utf-8")	# raw 8-bit header too
    sign = "smime" if i % 3 == 2 else "pgp"
    write_case(lang, sign, email, "%s UTF-8 8-bit, no charset declared (%s)" % (lang, "S/MIME" if sign == "smime" else "PGP/MIME"),
               entity, subject, expect_line(org, "technical", email, e164, L["languages"][1]))

# ---- replies quoting the blank form the robot sent (FORM), filled in ----
FILL = {
    "fr": {"re": "RE", "intro": "Bonjour,\n\nVoici le formulaire rempli.\n\nLe {d}, pocbot@robot.test a écrit :\n",
           "org": "Commandement de la cyberdéfense (COMCYBER), réponse au formulaire {n}",
           "name": "Marianne Lefèvre", "position": "Cheffe du centre de veille", "notes": "Joignable 24 h/24, 7 j/7"},
    "es": {"re": "RE", "intro": "Buenos días:\n\nAdjunto el formulario cumplimentado.\n\nEl {d}, pocbot@robot.test escribió:\n",
           "org": "Centro Criptológico Nacional, respuesta al formulario {n}",
           "name": "José Ñúñez Ibáñez", "position": "Jefe de la Sección de Respuesta", "notes": "Disponible las 24 horas"},
    "ru": {"re": "Ответ", "intro": "Добрый день!\n\nЗаполненная форма ниже.\n\n{d} pocbot@robot.test пишет:\n",
           "org": "Главный центр связи, ответ на бланк {n}",
           "name": "Пётр Ильич Соколов", "position": "Начальник отдела", "notes": "Круглосуточно"},
    "ar": {"re": "رد", "intro": "تحية طيبة،\n\nمرفق الاستمارة بعد ملئها.\n\nفي {d}، كتب pocbot@robot.test:\n",
           "org": "المركز الوطني للأمن السيبراني، رد على الاستمارة {n}",
           "name": "ليلى عبد الرحمن", "position": "رئيسة قسم الاستجابة", "notes": "متاحة على مدار الساعة"},
    "zh": {"re": "回复", "intro": "您好！\n\n填好的表格如下。\n\n{d}，pocbot@robot.test 写道：\n",
           "org": "国家互联网应急中心（回复表格{n}）",
           "name": "王小明", "position": "处长", "notes": "全天候值班"},
    "en": {"re": "Re", "intro": "Hello,\n\nThe form is filled in below.\n\nOn {d}, pocbot@robot.test wrote:\n",
           "org": "Computer Emergency Response Team, reply to form {n}",
           "name": "Jane Smith", "position": "Head of incident response", "notes": "Reachable 24/7"},
}


def field_labels(lang):
    """label (as in words.txt) -> field key, for this language."""
    out = {}
    with open(os.path.join(TOP, "templates", lang, "words.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("field-") and ":" in line:
                key, words = line.split(":", 1)
                for w in words.split(","):
                    out.setdefault(w.strip(), key.strip()[len("field-"):])
    return out


for i, (lang, L) in enumerate(LANGS.items()):
    n = count + 1
    F = FILL[lang]
    with open(os.path.join(TOP, "templates", lang, "form.txt"), encoding="utf-8") as f:
        text = f.read()
    head, blank_form = text.split("\n\n", 1)
    form_subject = head[len("Subject: "):]
    blank_form = blank_form.replace("{{robot}}", "pocbot@robot.test")
    labels = field_labels(lang)
    org = F["org"].format(n=n)
    email = "%s-form-%d@poc.example" % (lang, n)
    phone = "+33 1 71 75 %02d %02d" % (n // 100, n % 100)
    e164 = "+3317175%02d%02d" % (n // 100, n % 100)
    values = {"state": L["state"], "type": L["types"][0], "organisation": org,
              "web": "https://www.ssi.gouv.example/", "email": email, "phone": phone,
              "languages": L["languages"][0], "name": F["name"], "position": F["position"], "notes": F["notes"]}
    filled, seen = [], set()
    for line in blank_form.split("\n"):
        if ":" in line and line.rstrip().endswith(":") and line.rstrip()[:-1].strip() in labels:
            field = labels[line.rstrip()[:-1].strip()]
            seen.add(field)
            line = line.rstrip() + " " + values[field]	# the label kept as written
        filled.append(line)
    assert seen == set(values), (lang, seen)
    while filled and not filled[-1].strip():
        filled.pop()
    quoted = "".join((">" if not l else "> " + l) + "\n" for l in filled)
    body = F["intro"].format(d="2025-11-20 10:00") + quoted
    cte = "quoted-printable" if i % 2 == 0 else "8bit"
    entity = (("Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: %s\r\n\r\n" % cte).encode()
              + encode_body(body.encode("utf-8"), cte))
    subject = rfc2047(F["re"] + ": " + form_subject, "UTF-8", "Q" if i % 2 else "B").encode()
    sign = "smime" if i % 3 == 1 else "pgp"
    write_case(lang, sign, email, "%s: the robot's blank form quoted back and filled in (%s)" % (lang, "S/MIME" if sign == "smime" else "PGP/MIME"),
               entity, subject, expect_line(org, "technical", email, e164, L["languages"][1]))

with open(os.path.join(OUT, "index"), "w", encoding="utf-8") as f:
    f.write("\n".join(index) + "\n")
