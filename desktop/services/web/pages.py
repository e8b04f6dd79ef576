"""The phone page's HTML: the questionnaire (large touch targets, one column), the signature
pad, and the short pages that say why a link cannot be answered. Every value is escaped; the
inline style and script carry the response's CSP nonce."""

from html import escape

from desktop.models.questionnaire import KINDS, LEVEL5, NPS, SCORE10, TEXT

from .links import CLOSED, EXPIRED, USED, SurveyPage

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
color:#222;background:#f4f5f7}
main{max-width:640px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0}
.meta{color:#555;margin:0 0 12px}
.card{background:#fff;border-radius:12px;padding:14px;margin:12px 0;box-shadow:0 1px 3px #0002}
.q{font-weight:600;margin:0 0 4px}
.kind{color:#888;font-size:14px;font-weight:400}
.req{color:#c00}
.opts{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}
.opts label{flex:1 1 auto;min-width:56px;min-height:48px;display:flex;align-items:center;
justify-content:center;border:1px solid #bbb;border-radius:10px;padding:8px 10px;background:#fafafa}
.opts.col label{flex-basis:100%;justify-content:flex-start}
.opts input{width:22px;height:22px;margin:0 8px 0 0}
.opts label:has(input:checked){border-color:#1565c0;background:#e3f0ff}
textarea{width:100%;min-height:88px;font:inherit;padding:8px;border:1px solid #bbb;border-radius:10px}
.note{min-height:48px;margin-top:8px}
canvas{width:100%;height:180px;border:1px dashed #888;border-radius:10px;background:#fff;touch-action:none}
button{font:inherit;min-height:52px;border-radius:10px;border:0;padding:10px 18px}
.submit{width:100%;background:#1565c0;color:#fff;font-size:19px;margin:8px 0 24px}
.clear{background:#e0e0e0;margin-top:8px}
.errors{background:#fff0f0;border:1px solid #e57373;border-radius:10px;padding:10px 14px;color:#b00020}
"""

SCRIPT = """
(function(){
  var c=document.getElementById('pad'); if(!c) return;
  var ctx=c.getContext('2d'), drawn=false, last=null;
  function fit(){var r=c.getBoundingClientRect();c.width=r.width;c.height=r.height;
    ctx.lineWidth=3;ctx.lineCap='round';ctx.strokeStyle='#000';}
  fit();
  function at(e){var r=c.getBoundingClientRect();return [e.clientX-r.left,e.clientY-r.top];}
  c.addEventListener('pointerdown',function(e){last=at(e);c.setPointerCapture(e.pointerId);});
  c.addEventListener('pointermove',function(e){if(!last)return;var p=at(e);ctx.beginPath();
    ctx.moveTo(last[0],last[1]);ctx.lineTo(p[0],p[1]);ctx.stroke();last=p;drawn=true;});
  c.addEventListener('pointerup',function(){last=null;});
  document.getElementById('clear').addEventListener('click',function(){
    ctx.clearRect(0,0,c.width,c.height);drawn=false;});
  document.getElementById('survey').addEventListener('submit',function(){
    document.getElementById('signature').value=drawn?c.toDataURL('image/png'):'';});
})();
"""


def _head(title: str, nonce: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><style nonce="{nonce}">{STYLE}</style></head><body><main>'
    )


def message_page(title: str, text: str, nonce: str) -> str:
    return f'{_head(title, nonce)}<h1>{escape(title)}</h1><div class="card"><p>{escape(text)}</p></div></main></body></html>'


def not_found_page(nonce: str) -> str:
    return message_page("页面不存在", "您打开的页面不存在。", nonce)


def closed_page(page: SurveyPage, nonce: str) -> str:
    """A used, expired or closed link: polite, and nothing about the customer."""
    hotline = f"如有需要，请拨打客服热线 {page.hotline}。" if page.hotline else ""
    if page.state == USED:
        return message_page(
            "问卷已提交", f"感谢您的评价！这份问卷已经提交过了，无需再次填写。{hotline}", nonce
        )
    if page.state == EXPIRED:
        return message_page("链接已过期", f"抱歉，这个评价链接已经过期。{hotline}", nonce)
    if page.state == CLOSED:
        return message_page("回访已完成", f"这次服务的回访已经完成，感谢您的支持！{hotline}", nonce)
    return not_found_page(nonce)


def thanks_page(page: SurveyPage, nonce: str) -> str:
    company = f"{page.company}祝您生活愉快。" if page.company else ""
    return message_page("提交成功", f"感谢您抽出宝贵时间评价我们的服务！{company}", nonce)


def _options(pq, value: str) -> str:
    q = pq.question
    column = " col" if q.kind not in (SCORE10, NPS) else ""
    required = " required" if q.required else ""
    cells = []
    for index, (option, label) in enumerate(pq.options):
        checked = " checked" if option == value else ""
        cells.append(
            f'<label><input type="radio" name="q{pq.number}" value="{escape(option)}"'
            f"{checked}{required if index == 0 else ''}>{escape(label)}</label>"
        )
    return f'<div class="opts{column}">{"".join(cells)}</div>'


def _question(pq, form: dict[str, str]) -> str:
    q = pq.question
    name = f"q{pq.number}"
    mark = ' <span class="req">*</span>' if q.required else ""
    kind = (
        "（1 分最低，10 分最高）" if q.kind == SCORE10 else "（0 分最低，10 分最高）" if q.kind == NPS else ""
    )
    if q.kind == LEVEL5:
        kind = ""
    head = (
        f'<p class="q"><label for="{name}">{pq.number}. {escape(q.text)}</label>{mark}'
        f' <span class="kind">{escape(kind or "")}</span></p>'
    )
    if q.kind == TEXT:
        required = " required" if q.required else ""
        body = f'<textarea id="{name}" name="{name}" maxlength="1000"{required}>{escape(form.get(name, ""))}</textarea>'
    else:
        body = _options(pq, form.get(name, ""))
        if q.allow_comment:
            note = escape(form.get(f"{name}_note", ""))
            body += (
                f'<textarea class="note" name="{name}_note" maxlength="1000" '
                f'placeholder="补充说明（选填）" aria-label="第{pq.number}题补充说明">{note}</textarea>'
            )
    return f'<div class="card" data-kind="{escape(KINDS.get(q.kind, q.kind))}">{head}{body}</div>'


def survey_page(page: SurveyPage, token: str, csrf: str, nonce: str, form=None, errors=()) -> str:
    form = form or {}
    parts = [
        _head(page.title or "客户满意度评价", nonce),
        f"<h1>{escape(page.title or '客户满意度评价')}</h1>",
    ]
    who = f"尊敬的 {escape(page.customer)}：" if page.customer else ""
    service = f"您的服务：{escape(page.service)}" if page.service else ""
    parts.append(f'<p class="meta">{escape(page.company)}<br>{who}{service}</p>')
    if page.greeting:
        parts.append(f'<p class="meta">{escape(page.greeting)}</p>')
    if errors:
        items = "".join(f"<li>{escape(str(e))}</li>" for e in errors)
        parts.append(f'<div class="errors" role="alert">请修改后再提交：<ul>{items}</ul></div>')
    parts.append(f'<form id="survey" method="post" action="/s/{escape(token)}">')
    parts.append(f'<input type="hidden" name="csrf" value="{escape(csrf)}">')
    parts.extend(_question(pq, form) for pq in page.questions)
    feedback = escape(form.get("feedback", ""))
    parts.append(
        '<div class="card"><p class="q"><label for="feedback">您的宝贵意见（选填）</label></p>'
        f'<textarea id="feedback" name="feedback" maxlength="2000">{feedback}</textarea></div>'
    )
    parts.append(
        '<div class="card"><p class="q">签名（选填）</p>'
        '<canvas id="pad" aria-label="签名板：用手指在此签名"></canvas>'
        '<button type="button" id="clear" class="clear">清除签名</button>'
        '<input type="hidden" id="signature" name="signature" value=""></div>'
    )
    parts.append('<button type="submit" class="submit">提交评价</button></form>')
    parts.append(f'<script nonce="{nonce}">{SCRIPT}</script></main></body></html>')
    return "".join(parts)
