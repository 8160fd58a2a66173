#!/usr/bin/env python3
"""Generates a mixed event stream for `scamflow stream` benchmarks (not committed output).

usage: generate.py EVENTS SUBJECTS [context] > events.jsonl

With `context`, the phones also say where they are (device.location, a few cities with
coordinates, about one ordinary event in six) and one subject in ten sends its profile first
(profile.set): every subject then keeps a context, which is what `--state` and memory hold.

Every subject gets about EVENTS/SUBJECTS records over a simulated day, in time order across
subjects: device events (calls, app installs, screen shares, overlays, payments, password-free
charges) and short messages. About a third of the subjects are scam victims whose records walk
a flow part of the way (so flow state is held for them), the rest lead ordinary days. Messages
are about 20% of the records. Deterministic (seeded).
"""
import json, random, sys

events, subjects = int(sys.argv[1]), int(sys.argv[2])
with_context = len(sys.argv) > 3 and sys.argv[3] == "context"
rng = random.Random(20251106)
base = 1741219200000  # 2025-03-06T00:00:00Z

ordinary_texts = [
    "【银行】您尾号{n}的卡消费{a}.00元，余额{b}.21元。",
    "明天下午三点开会，记得带方案",
    "妈，周末回家吃饭",
    "【快递】您的包裹已放至驿站，取件码{n}",
    "Your code is {n}. Never share it with anyone.",
    "See you at 7 tonight?",
]
scam_texts = [
    "您好，我是平台客服，您的免密支付开通了会员，每月自动扣费{a}元",
    "我是银保监会的，你的免密支付需要关闭，否则影响征信",
    "您先下载一个会议软件，我们共享屏幕帮您关闭",
    "屏幕黑了是正常的，不要动手机",
    "把收到的验证码告诉我，我帮您取消",
]
scam_events = [
    ("app.installed", {"package": "com.oray.sunlogin.client", "installer": "com.android.chrome"}),
    ("screen_share.started", {"package": "com.oray.sunlogin.client"}),
    ("overlay.shown", {"full_screen": True, "opaque": True}),
    ("auth.face_prompted", {"app": "com.tencent.mm"}),
]
ordinary_events = [
    ("call.incoming", {"number": "+86 138 0000 1111", "in_contacts": True}),
    ("app.foreground", {"package": "com.tencent.mm"}),
    ("payment.passwordless.charged", {"amount": 4, "merchant": "metro"}),
    ("payment.succeeded", {"amount": 36, "method": "face", "city": "深圳", "home_city": "深圳"}),
    ("device.unlocked", {}),
    ("sms.received", {"sender": "95588"}),
]

cities = [("深圳", 22.54, 114.06), ("贵阳", 26.65, 106.63), ("亳州", 33.84, 115.78), ("上海", 31.23, 121.47)]
if with_context:
    for city, lat, lon in cities:
        ordinary_events.append(("device.location", {"city": city, "lat": lat, "lon": lon}))
    ordinary_events.append(("device.location", {"city": "深圳", "lat": 22.54, "lon": 114.06}))

records = []
per = max(1, events // subjects)
for s in range(subjects):
    victim = s % 3 == 0
    t = base + rng.randrange(0, 20 * 3600_000)
    if with_context and s % 10 == 0:
        records.append((t, {"time": t, "subject": f"dev-{s:06d}", "channel": "event", "event": "profile.set",
                            "attrs": {"age_group": rng.choice(["elder", "adult", "minor"])}}))
    for i in range(per):
        t += rng.randrange(30_000, 240_000)
        if rng.random() < 0.2:
            pool = scam_texts if victim and i < 6 else ordinary_texts
            text = rng.choice(pool).format(n=rng.randrange(1000, 9999), a=rng.randrange(10, 999), b=rng.randrange(100, 99999))
            records.append((t, {"time": t, "subject": f"dev-{s:06d}", "channel": "sms", "text": text}))
        else:
            name, attrs = rng.choice(scam_events if victim and rng.random() < 0.3 else ordinary_events)
            records.append((t, {"time": t, "subject": f"dev-{s:06d}", "channel": "event", "event": name, "attrs": attrs}))
records.sort(key=lambda r: r[0])
out = sys.stdout
for _, r in records[:events]:
    out.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
