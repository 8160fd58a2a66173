#!/usr/bin/env python3
"""Writes one large input per reader format, for BENCHMARKS.md "Readers" (not committed).

    python3 Tests/ScamIOTests/Benchmark/make-large-inputs.py OUT_DIR [MEGABYTES]

Each file is about MEGABYTES (default 200) of realistic records: mostly ordinary messages, one
in twenty a scam from the fixtures' kinds, so the scan does the work it does on real exports.
Files are written as a stream; the script's own memory stays small.
"""
import json, os, random, sqlite3, sys

out = sys.argv[1]
target = int(sys.argv[2] if len(sys.argv) > 2 else 200) * 1_000_000
os.makedirs(out, exist_ok=True)
rng = random.Random(20250306)

ordinary = [
    "【招商银行】您账户8832于03月06日09:40消费128.00元，余额5,236.17元。",
    "晚上回来吃饭吗？你爸买了鱼",
    "好的，明天上午十点在公司楼下见",
    "【顺丰速运】您的快件已由前台代收，如有疑问请联系快递员。",
    "各位邻居好，明天上午停水，请提前储水",
    "Hi, are we still on for lunch tomorrow?",
    "收到，谢谢！周末一起去爬山吧",
    "【中国移动】您本月流量已使用80%，剩余2.1GB。",
    "孩子的家长会改到周五下午三点了",
    "Your table for 4 at 19:30 is confirmed. Reply C to cancel.",
]
scams = [
    "【中国银保监会】您的微信免密支付已开通并关联“百万医疗保险”，下月起每月自动扣费880元，如非本人操作请致电客服取消。",
    "您好，我是京东金融客服，您的学生账户未注销会影响征信，需要您配合下载“会议通”开启屏幕共享进行注销。",
    "为了您的资金安全，请将余额转入我们提供的安全账户，核查完毕后原路退回。",
    "【兼职招募】在家动动手指就能赚钱，给抖音视频点赞、刷单返利，每单佣金10-50元，日结！",
    "Royal Mail: your parcel is held due to an unpaid shipping fee of £1.45. Pay now: https://royalmail-redelivery.info/pay",
]
def text():
    return rng.choice(scams) if rng.random() < 0.05 else rng.choice(ordinary)

T0 = 1741225200000
def write(name, header, item, footer=""):
    path = os.path.join(out, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        i = 0
        while f.tell() < target:
            f.write(item(i)); i += 1
        f.write(footer)
    print(f"{path}: {os.path.getsize(path) / 1e6:.0f} MB, {i} items")

def xml_escape(s): return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("\n", "&#10;")
write("large-sms-backup.xml", "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"0\">\n",
      lambda i: f'  <sms protocol="0" address="1069{i % 100000:05d}" date="{T0 + i * 1000}" type="{1 + i % 2}" subject="null" body="{xml_escape(text())}" toa="null" sc_toa="null" service_center="+8613800755500" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="2025年3月6日 上午9:40:00" contact_name="(Unknown)" />\n',
      "</smses>\n")
write("large-adb-sms.txt", "", lambda i: f"Row: {i} _id={i + 1}, thread_id={i % 500}, address=1069{i % 100000:05d}, person=NULL, date={T0 + i * 1000}, date_sent=0, protocol=0, read=1, status=-1, type={1 + i % 2}, reply_path_present=0, subject=NULL, body={text()}, service_center=+8613800755500, locked=0, sub_id=1, error_code=0, creator=com.android.phone, seen=1\n")
names = ["王芳", "李建国", "陈经理", "张伟", "刘洋"]
def wa(i):
    m = i // 60
    return f"{6 + (m // 1440) % 20:02d}/03/2025, {(m // 60) % 24:02d}:{m % 60:02d} - {names[i % 5]}: {text()}\n"
write("large-whatsapp.txt", "06/03/2025, 09:58 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n", wa)
def tg(i):
    msg = {"id": i + 1, "type": "message", "date": "2025-03-06T10:15:00", "date_unixtime": str(1741227300 + i), "from": names[i % 5],
           "from_id": f"user{5000 + i % 5}", "text": text(), "text_entities": []}
    return (",\n" if i else "") + json.dumps(msg, ensure_ascii=False, indent=1).replace("\n", "\n  ")
write("large-telegram.json", '{\n "name": "业主群",\n "type": "private_supergroup",\n "id": 1888777666,\n "messages": [\n  ', tg, "\n ]\n}\n")
def wechat(i):
    return f'{i + 1},3,1,0,{i % 2},{1741225200 + i},2,"{text()}",2025-03-06 09:40:00,平安客服小周,平安客服小周,wxid_k8s7d6f5g4h3\r\n'
write("large-wechat.csv", "\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\r\n", wechat)
def csvrow(i): return f'2025/03/06 09:40:{i % 60:02d},1069{i % 100000:05d},"{text()}",接收\n'
write("large-messages.csv", "收发时间,号码,短信正文,类型\n", csvrow)
def ts(x):
    ms = int(x * 1000); return "%02d:%02d:%02d,%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
write("large-call.srt", "", lambda i: f"{i + 1}\n{ts(i * 2.0)} --> {ts(i * 2.0 + 1.9)}\n[SPEAKER_0{i % 2}]: {text()}\n\n")
write("large-call.vtt", "WEBVTT\n\n", lambda i: f"{ts(i * 2.0).replace(',', '.')} --> {ts(i * 2.0 + 1.9).replace(',', '.')}\n<v SPEAKER_0{i % 2}>{text()}\n\n")
write("large-call.tsv", "start\tend\ttext\n", lambda i: f"{i * 2000}\t{i * 2000 + 1900}\t{text()}\n")
def wx(i):
    t = text()
    seg = {"start": i * 2.0, "end": i * 2.0 + 1.9, "text": " " + t, "speaker": f"SPEAKER_0{i % 2}",
           "words": [{"word": c, "start": i * 2.0, "end": i * 2.0 + 0.1, "score": 0.9} for c in t[:4]]}
    return (", " if i else "") + json.dumps(seg, ensure_ascii=False)
write("large-whisperx.json", '{"segments": [', wx, "]}\n")
# iMessage: a chat.db of the same size, half the messages in attributedBody only.
def attributed(s):
    b = s.encode(); n = len(b)
    ln = bytes([n]) if n < 0x80 else b"\x81" + n.to_bytes(2, "little")
    return (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92"
            b"\x84\x84\x84\x08NSString\x01\x94\x84\x01+" + ln + b + b"\x86\x84\x02iI\x01" + ln + b"\x92\x86\x86")
path = os.path.join(out, "large-chat.db")
if os.path.exists(path): os.remove(path)
db = sqlite3.connect(path)
db.executescript("""
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, service TEXT NOT NULL);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, chat_identifier TEXT, display_name TEXT);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, handle_id INTEGER DEFAULT 0,
  attributedBody BLOB, service TEXT, date INTEGER, is_from_me INTEGER DEFAULT 0, item_type INTEGER DEFAULT 0, associated_message_type INTEGER DEFAULT 0);
CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
""")
db.executemany("INSERT INTO handle (ROWID, id, service) VALUES (?, ?, 'SMS')", [(h, f"+86106900{h:05d}") for h in range(1, 1001)])
db.executemany("INSERT INTO chat (ROWID, guid, chat_identifier) VALUES (?, ?, ?)", [(h, f"SMS;-;{h}", f"+86106900{h:05d}") for h in range(1, 1001)])
i = 0
while os.path.getsize(path) < target:
    batch = []
    for _ in range(20000):
        t = text(); i += 1
        body = attributed(t) if i % 2 else None
        batch.append((i, f"GUID-{i:012d}", None if body else t, 1 + i % 1000, body, "SMS", (1741227300 - 978307200 + i) * 1_000_000_000, i % 3 == 0))
    db.executemany("INSERT INTO message (ROWID, guid, text, handle_id, attributedBody, service, date, is_from_me) VALUES (?,?,?,?,?,?,?,?)", batch)
    db.executemany("INSERT INTO chat_message_join (chat_id, message_id) VALUES (?, ?)", [(b[3], b[0]) for b in batch])
    db.commit()
db.close()
print(f"{path}: {os.path.getsize(path) / 1e6:.0f} MB, {i} messages")
