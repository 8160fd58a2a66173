import json,re,glob,sys,yaml
def norm(s): return re.sub(r'\s+',' ',s.lower()).strip()
ev=[norm(json.loads(l)['text']) for f in glob.glob('../shared/eval/*.jsonl') for l in open(f)]
big='\n'.join(ev)
texts=[]
for f in glob.glob('Patterns/*/rules/*.yaml')+glob.glob('Patterns/*/tests/*.yaml'):
    src=open(f).read()
    for m in re.finditer(r"^\s+- ['\"](.*)['\"]\s*$", src, re.M): texts.append((f,m.group(1)))
    for m in re.finditer(r'text: "([^"]*)"', src): texts.append((f,m.group(1)))
for f in ['Corpus/messages.jsonl']+glob.glob('Corpus/events/*.jsonl'):
    for l in open(f):
        o=json.loads(l); t=o.get('text') or o.get('message')
        if t: texts.append((f,t))
for f in glob.glob('Corpus/transcripts/*.txt'):
    for l in open(f): texts.append((f,l.strip()))
hits=0
for f,t in texts:
    n=norm(t)
    if re.search(r'[\u4e00-\u9fff]',n):
        W=14; windows=[n[i:i+W] for i in range(0,max(1,len(n)-W+1))] if len(n)>=W else []
    else:
        w=n.split(' '); W=7; windows=[' '.join(w[i:i+W]) for i in range(0,len(w)-W+1)]
    for x in windows:
        if x in big:
            hits+=1; print(f,'|',t[:100],'|',x); break
print('hits',hits,'of',len(texts))
