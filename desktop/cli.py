"""``huifang [--db PATH] COMMAND``: the GUI (no command) and the scriptable commands.

Errors go to stderr in Chinese with a non-zero exit code, never a traceback (the traceback of an
unexpected error is written to the log file in the data folder).
"""

import argparse
import logging
import sys
from pathlib import Path

from desktop import APP_NAME, __version__

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huifang", description=f"{APP_NAME}：售后服务回访与客户满意度管理")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="数据库文件或 PostgreSQL 地址 postgresql://用户:密码@主机:端口/库名"
        "（默认：用户数据目录中的 huifang.db，或环境变量 HUIFANG_DB）",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="打开演示数据库（正式数据库旁的 huifang-demo.db，第一次使用时生成演示数据；正式数据库不受影响）",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("gui", help="打开图形界面（默认）")

    p = sub.add_parser(
        "demo",
        help="生成演示数据（最近12个月的客户、工单、回访、改进措施）；不给 --db 时写入演示数据库 huifang-demo.db",
    )
    p.add_argument("--customers", type=int, default=300, help="客户数量（默认 300）")
    p.add_argument("--seed", type=int, default=20241, help="随机种子，相同种子生成相同数据")

    sub.add_parser("selftest", help="自检：离屏构建主窗口、打开每个页面、打印一张表，成功返回 0")

    p = sub.add_parser("form", help="把回访表打印成 PDF（填好的或空白的）")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--visit", type=int, metavar="ID", help="回访记录编号")
    group.add_argument("--blank", action="store_true", help="空白表，供纸质回访")
    p.add_argument("--template", metavar="NAME", help="空白表使用的问卷模板（名称或代号，默认为默认问卷）")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--task",
        type=int,
        action="append",
        metavar="ID",
        help="回访任务的空白表（抬头已填、带二维码），可重复给出",
    )
    which.add_argument(
        "--due", metavar="today|YYYY-MM-DD", help="“今日”待回访任务的空白表，每个任务一份，合成一个 PDF"
    )
    p.add_argument("--out", required=True, metavar="F.pdf", help="输出 PDF 文件")

    p = sub.add_parser("schedule", help="按回访触发规则生成到期的回访任务（已建的不会重复）")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="按指定日期计算（默认今天）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出各触发规则新建的任务数")

    p = sub.add_parser("import", help="从 .xlsx/.xls/.csv 导入客户或服务工单，错误行写入错误报告")
    p.add_argument("kind", choices=["customers", "orders"], help="customers=客户，orders=服务工单")
    p.add_argument("file", metavar="FILE", help="要导入的文件（.xlsx、.xls 或 .csv,UTF-8 或 GBK）")
    p.add_argument(
        "--mode", choices=["update", "skip"], default="update", help="编号已存在：更新（默认）或跳过"
    )
    p.add_argument("--report", metavar="F.xlsx", help="错误报告保存位置（默认：源文件旁边）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    p = sub.add_parser(
        "import-survey", help="导入问卷星/腾讯问卷导出的答卷（按选项文本或按分数）为线上问卷回访记录"
    )
    p.add_argument("file", metavar="FILE", help="问卷星或腾讯问卷导出的 .xlsx、.xls 或 .csv 文件")
    p.add_argument(
        "--template", type=int, metavar="ID", help="答卷对应的问卷模板编号（默认：按列名自动选择最匹配的模板）"
    )
    p.add_argument("--dry-run", action="store_true", help="只预览将导入多少条，不写入数据库")
    p.add_argument("--report", metavar="F.xlsx", help="错误报告保存位置（默认：源文件旁边）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出题目对应和结果")

    p = sub.add_parser("report", help="生成某一期间的客户满意度调查与改进报告（PDF）")
    p.add_argument("--period", metavar="P", help="统计期间：2024（年）、2024Q2（季度）、2024-05（月）")
    p.add_argument(
        "--from", dest="date_from", metavar="YYYY-MM-DD", help="自定义期间的开始日期（与 --to 同用）"
    )
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="自定义期间的结束日期（含当天）")
    p.add_argument("--team", metavar="NAME", help="只统计某个责任部门/班组（默认全部班组）")
    p.add_argument("--out", required=True, metavar="F.pdf", help="输出 PDF 文件")

    p = sub.add_parser("daily", help="生成某一天的回访日报（PDF，一页：回访、问题、逾期事项）")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="日报的日期（默认昨天）")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="按指定日期判断逾期和今日待办（默认今天）")
    p.add_argument("--out", required=True, metavar="F.pdf", help="输出 PDF 文件")

    p = sub.add_parser(
        "export", help="导出某一期间的总部工作簿（.xlsx：回访记录、维度统计、改进方案表、质量评价表）"
    )
    p.add_argument("--period", metavar="P", help="统计期间：2024（年）、2024Q2（季度）、2024-05（月）")
    p.add_argument(
        "--from", dest="date_from", metavar="YYYY-MM-DD", help="自定义期间的开始日期（与 --to 同用）"
    )
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="自定义期间的结束日期（含当天）")
    p.add_argument("--out", required=True, metavar="F.xlsx", help="输出的 .xlsx 文件")
    p.add_argument("--branch", metavar="NAME", help="分支名称（默认：设置中的公司名称）")
    p.add_argument(
        "--full-contact", action="store_true", help="导出完整的客户姓名和电话（默认脱敏：张*、138****5678）"
    )

    p = sub.add_parser("consolidate", help="把各分支导出的总部工作簿合并为一个（期间和问卷版本须一致）")
    p.add_argument("files", nargs="+", metavar="FILE.xlsx", help="各分支的总部工作簿")
    p.add_argument("--out", required=True, metavar="ALL.xlsx", help="合并后的 .xlsx 文件")

    p = sub.add_parser("backup", help="备份数据库（运行中也可备份，备份后自动校验）")
    p.add_argument(
        "--out",
        required=True,
        metavar="F",
        help="备份文件；给出文件夹时自动命名为 huifang-日期-时间-manual.db",
    )

    p = sub.add_parser("restore", help="从备份恢复数据库（当前数据库先另存为 .before-restore-… 文件）")
    p.add_argument("file", metavar="F", help="备份文件")
    p.add_argument("--yes", action="store_true", help="不再询问，直接恢复（脚本中使用）")

    p = sub.add_parser("check", help="检查数据库是否完好（完好返回 0，损坏或不是回访通数据库返回 3）")
    p.add_argument(
        "file", nargs="?", metavar="F", help="要检查的文件（默认：当前数据库），也可以检查备份文件"
    )

    p = sub.add_parser(
        "accounts",
        help="登录账号：查看、解锁、重置密码、关闭账号登录（忘记主管密码时在本机使用）",
    )
    acc = p.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    acc.add_parser("list", help="列出账号、角色和状态")
    q = acc.add_parser("unlock", help="解锁因密码输错被锁定的账号")
    q.add_argument("login", metavar="登录名")
    q = acc.add_parser("reset-password", help="重置某个账号的密码（下次登录须修改）并解锁")
    q.add_argument("login", metavar="登录名")
    q.add_argument("--password-stdin", action="store_true", help="从标准输入读新密码（脚本中使用）")
    acc.add_parser("off", help="关闭账号登录（账号保留，可在 设置 → 账号 中重新启用）")

    p = sub.add_parser(
        "scan",
        help="读取扫描的纸质回访表（PDF、PNG、JPEG、TIFF）：确定的答案直接录入，有疑问的放入待核对；"
        "每页都录入时返回 0，有待核对、重复或无法识别的页时返回 4",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="扫描件，可给出多个；PDF 可有多页")
    p.add_argument("--json", action="store_true", help="每页输出一行 JSON")
    p.add_argument("--dry-run", action="store_true", help="只读取和报告，不写入数据库")

    p = sub.add_parser(
        "serve", help="运行扫码评价网页（客户用手机打开回访任务的链接自行填写问卷），按 Ctrl+C 停止"
    )
    p.add_argument("--host", metavar="H", help="监听地址（默认：设置中的扫码评价监听地址，初始为 127.0.0.1）")
    p.add_argument("--port", type=int, metavar="P", help="端口（默认：设置中的扫码评价端口，初始为 8765）")

    p = sub.add_parser("link", help="打印某个回访任务的扫码评价链接（一次性，过期失效）")
    p.add_argument("--task", type=int, required=True, metavar="N", help="回访任务编号")
    p.add_argument("--json", action="store_true", help='以 JSON 输出 {"url": …}')

    p = sub.add_parser("screenshots", help="把每个主要页面和打印页截图为 PNG")
    p.add_argument("--out", required=True, metavar="DIR", help="输出目录")
    return parser


def _db_path(args) -> Path | str:
    """The database file, or a ``postgresql://…`` URL kept as text (not a file path)."""
    from desktop.models.connection import is_db_url
    from desktop.paths import default_db_path

    if args.db and is_db_url(args.db):
        return args.db
    return Path(args.db).expanduser() if args.db else default_db_path()


def _open(args):
    from desktop.services.maintenance.bootstrap import open_app_database

    return open_app_database(_db_path(args))


def cmd_gui(args) -> int:
    from desktop.app import run_gui

    return run_gui(_db_path(args), demo=args.demo)


def cmd_demo(args) -> int:
    """Demo data into ``--db``; without it, into the demo database beside the real one (never
    into the real ``huifang.db``)."""
    from desktop.paths import demo_db_path
    from desktop.services.demo.demo import generate_demo
    from desktop.services.maintenance.bootstrap import open_app_database

    target = _db_path(args)
    if not args.db and isinstance(target, Path):
        target = demo_db_path(target)
        print(f"演示数据库：{target}")
    open_app_database(target)
    summary = generate_demo(customers=args.customers, seed=args.seed)
    print("已生成演示数据：" + "，".join(f"{k} {v}" for k, v in summary.items()))
    return 0


def cmd_selftest(args) -> int:
    from desktop.selftest import run_selftest

    return run_selftest(_db_path(args) if args.db else None)


def cmd_form(args) -> int:
    from desktop.app import create_qapp
    from desktop.services.common.errors import UserError
    from desktop.views.printing.visit_form_print import blank_form_pdf, visit_form_pdf

    tasks = args.task or []
    if (tasks or args.due) and args.visit is not None:
        raise UserError("--task / --due 打印的是任务的空白表，不能与 --visit 同用；请改用 --blank。")
    if (tasks or args.due) and args.template:
        raise UserError("--task / --due 按任务自己的问卷打印空白表，不能再指定 --template。")
    _open(args)
    create_qapp()
    out = Path(args.out)
    if tasks or args.due:
        from desktop.services.visits.forms import due_task_ids
        from desktop.views.printing.visit_form_print import task_forms_pdf

        if args.due:
            day = _due_day(args.due)
            tasks = due_task_ids(day)
            if not tasks:
                raise UserError(f"{day:%Y-%m-%d} 没有待回访的任务（“今日”任务为空），未生成 PDF。")
        task_forms_pdf(tasks, out)
        print(f"已生成：{out}（共 {len(dict.fromkeys(tasks))} 份回访表）")
        return 0
    if args.visit is not None:
        visit_form_pdf(args.visit, out)
    else:
        blank_form_pdf(args.template, out)
    print(f"已生成：{out}")
    return 0


def _due_day(text: str):
    """``--due today`` (or 今天 / a date) → the day whose 今日 tasks are printed."""
    from datetime import date, datetime

    from desktop.services.common.dates import parse_date
    from desktop.services.common.errors import UserError

    text = (text or "").strip()
    if text.lower() in ("today", "今天", "今日"):
        return date.today()
    try:
        day = parse_date(text, "--due")
    except UserError as err:
        raise UserError(f"--due：请写 today 或日期（如 2024-10-09）。{err}") from None
    return day.date() if isinstance(day, datetime) else day


def cmd_scan(args) -> int:
    """``huifang scan FILE …``: one line per page; exit 0 when every page was entered (or, with
    --dry-run, read), 4 when some page needs review, is a duplicate or could not be entered."""
    import json

    from desktop.app import create_qapp
    from desktop.services.paper_scan import scan
    from desktop.views.printing.visit_form_print import form_layout

    _open(args)
    create_qapp()  # the printer's own layout (fonts) says where the boxes are
    results = scan.scan_files(args.files, form_layout, dry_run=args.dry_run)
    for result in results:
        print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else result.describe())
    done = (scan.SAVED, scan.DRY_RUN)
    if not args.json:
        saved = sum(r.status == scan.SAVED for r in results)
        print(f"共 {len(results)} 页：已录入 {saved} 页，其余见上。")
    return 0 if all(r.status in done for r in results) else 4


def cmd_schedule(args) -> int:
    from datetime import datetime

    from desktop.services.common.dates import parse_date
    from desktop.services.scheduling import scheduler

    _open(args)
    today = parse_date(args.today, "--today") if args.today else None
    if isinstance(today, datetime):
        today = today.date()
    scheduler.configure_calendar()
    result = scheduler.run_scheduler(today=today)
    if args.json:
        import json

        print(json.dumps(result, ensure_ascii=False))
    else:
        print(scheduler.describe(result))
    return 0


def cmd_import(args) -> int:
    import json

    from desktop.services.intake.importer import run_import

    _open(args)
    result = run_import(Path(args.file).expanduser(), args.kind, mode=args.mode, report_path=args.report)
    print(json.dumps(result.as_json(), ensure_ascii=False) if args.json else result.summary())
    return 0


def cmd_import_survey(args) -> int:
    import json

    from desktop.services.intake import survey_import

    _open(args)
    source = survey_import.open_survey(Path(args.file).expanduser(), args.template)
    result = survey_import.import_survey(source, dry_run=args.dry_run, report_path=args.report)
    if args.json:
        print(json.dumps({**result.as_json(), "mapping": source.mapping_rows()}, ensure_ascii=False))
        return 0
    template = source.questions[0].template if source.questions else None
    print(f"{source.platform}：{source.count_data_rows()} 份答卷，问卷模板 {template.label if template else source.template_id}")
    for row in source.mapping_rows():
        where = f"← {row['header']}（相似度 {row['score']:.2f}）" if row["column"] is not None else "← 未对应"
        print(f"  第{row['number']}题 {row['question']} {where}")
    print(result.summary())
    for row_no, reason in result.problems[:10]:
        print(f"  第 {row_no} 行：{reason}")
    return 0


def cmd_report(args) -> int:
    from desktop.services.common.errors import UserError
    from desktop.services.reporting.periods import parse_period

    if args.period and (args.date_from or args.date_to):
        raise UserError(
            "统计期间：--period 与 --from/--to 只能选一种，例如 --period 2024Q2 或 --from 2024-04-01 --to 2024-06-30。"
        )
    if args.period:
        period = parse_period(args.period)
    elif args.date_from and args.date_to:
        period = parse_period((args.date_from, args.date_to))
    elif args.date_from or args.date_to:
        raise UserError(
            "统计期间：自定义期间需要同时给出 --from 和 --to，例如 --from 2024-04-01 --to 2024-06-30。"
        )
    else:
        raise UserError(
            "统计期间：请用 --period（如 2024、2024Q2、2024-05）或 --from/--to 指定报告的统计期间。"
        )
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise UserError(f"输出文件：“{args.out}”不是 PDF 文件名，请以 .pdf 结尾，例如 报告.pdf。")
    _open(args)
    from desktop.app import create_qapp
    from desktop.services.summaries.report import build_report
    from desktop.views.printing.report_render import write_report_pdf

    team = (args.team or "").strip() or None
    if team is not None:
        from desktop.services.reporting.problems import filter_choices

        teams = filter_choices()["teams"]
        if team not in teams:
            known = "、".join(teams) or "（工单中还没有填写班组）"
            raise UserError(f"班组：找不到“{team}”，请写工单中的责任部门/班组之一：{known}。")
    create_qapp()
    doc = build_report(period, team=team)
    write_report_pdf(doc, out)
    print(f"已生成：{out}（{doc.title}）")
    return 0


def _cli_day(value: str | None, option: str):
    from datetime import datetime

    from desktop.services.common.dates import parse_date

    if not value:
        return None
    day = parse_date(value, option)
    return day.date() if isinstance(day, datetime) else day


def cmd_daily(args) -> int:
    from desktop.services.common.errors import UserError

    day, today = _cli_day(args.date, "--date"), _cli_day(args.today, "--today")
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise UserError(f"输出文件：“{args.out}”不是 PDF 文件名，请以 .pdf 结尾，例如 日报.pdf。")
    _open(args)
    from desktop.app import create_qapp
    from desktop.services.scheduling import scheduler
    from desktop.services.summaries.daily import build_daily
    from desktop.views.printing.daily_print import write_daily_pdf

    scheduler.configure_calendar()
    create_qapp()
    doc = build_daily(day, today=today)
    write_daily_pdf(doc, out)
    print(f"已生成：{out}（{doc.title}）")
    return 0


def _cli_period(args):
    """--period or --from/--to → a Period (UserError in Chinese otherwise)."""
    from desktop.services.common.errors import UserError
    from desktop.services.reporting.periods import parse_period

    if args.period and (args.date_from or args.date_to):
        raise UserError(
            "统计期间：--period 与 --from/--to 只能选一种，例如 --period 2024Q2 或 --from 2024-04-01 --to 2024-06-30。"
        )
    if args.period:
        return parse_period(args.period)
    if args.date_from and args.date_to:
        return parse_period((args.date_from, args.date_to))
    if args.date_from or args.date_to:
        raise UserError(
            "统计期间：自定义期间需要同时给出 --from 和 --to，例如 --from 2024-04-01 --to 2024-06-30。"
        )
    raise UserError("统计期间：请用 --period（如 2024、2024Q2、2024-05）或 --from/--to 指定要导出的期间。")


def cmd_export(args) -> int:
    from desktop.services.summaries.workbook.export import export_workbook
    from desktop.services.summaries.workbook.xlsx import check_output

    period = _cli_period(args)
    out = check_output(args.out, "--out")
    _open(args)
    result = export_workbook(out, period, branch=args.branch, full_contact=args.full_contact)
    print(result.summary())
    return 0


def cmd_consolidate(args) -> int:
    from desktop.services.summaries.workbook.consolidate import consolidate

    print(consolidate(args.files, args.out).summary())
    return 0


PG_FILE_ONLY = "PostgreSQL 数据库请用 pg_dump 备份、用 pg_restore 恢复；本命令只用于 SQLite 数据库文件。"


def _file_only(args) -> bool:
    """True (after telling the user) when ``--db`` is a PostgreSQL URL: backups, restore and the
    file check work on SQLite files only."""
    from desktop.models.connection import is_db_url

    if is_db_url(_db_path(args)):
        print(f"错误：{PG_FILE_ONLY}", file=sys.stderr)
        return True
    return False


def cmd_backup(args) -> int:
    from datetime import datetime

    from desktop.services.maintenance.backup import PREFIX, STAMP, backup_to

    if _file_only(args):
        return 2

    out = Path(args.out).expanduser()
    if out.is_dir():
        out = out / f"{PREFIX}{datetime.now().strftime(STAMP)}-manual.db"
    print(backup_to(out, source=_db_path(args)))
    return 0


def _confirm_restore(backup: Path, target: Path, yes: bool) -> int | None:
    """None to go ahead, else the exit code (refused or cancelled)."""
    from desktop.services.maintenance.backup import backup_info

    if yes:
        return None
    info = backup_info(backup)
    what = f"将用备份 {backup}（{info.created:%Y-%m-%d %H:%M}，{info.size_text}）替换数据库 {target}。"
    if not sys.stdin.isatty():
        print(
            f"错误：{what}恢复前需要确认，但当前没有可以输入的终端。确认无误后请加 --yes 再运行。",
            file=sys.stderr,
        )
        return 2
    print(what)
    print(
        "当前数据库会先另存为同一文件夹中的 .before-restore-日期-时间 文件；备份之后录入的数据将不在恢复后的数据库中。"
    )
    try:
        answer = input("确定恢复吗？输入 y 确认，其他任意键取消 [y/N]:").strip().lower()
    except EOFError:
        answer = ""
    if answer in ("y", "yes", "是"):
        return None
    print("已取消，数据库没有改动。")
    return 1


def cmd_restore(args) -> int:
    from desktop.services.common.errors import UserError
    from desktop.services.maintenance.backup import check, restore

    if _file_only(args):
        return 2
    backup = Path(args.file).expanduser()
    target = _db_path(args)
    verdict = check(backup)
    if not verdict.restorable:
        raise UserError(f"不能用这个文件恢复：{verdict.message}")
    refused = _confirm_restore(backup, target, args.yes)
    if refused is not None:
        return refused
    print(restore(backup, target).summary())
    return 0


def cmd_check(args) -> int:
    from desktop.services.maintenance.backup import check

    if not args.file and _file_only(args):
        return 2
    result = check(Path(args.file).expanduser() if args.file else _db_path(args))
    if result.ok:
        print(result.message)
        return 0
    print(f"错误：{result.message}", file=sys.stderr)
    for line in result.details[1:]:
        print(f"  {line}", file=sys.stderr)
    return 3


def cmd_accounts(args) -> int:
    """Run on the PC that holds the database (whoever can open the file may do this): the way
    back in when the only 主管 forgot the password or locked the account."""
    from desktop.services.admin import accounts

    _open(args)
    action = args.accounts_command
    if action == "list":
        state = "已启用" if accounts.accounts_enabled() else "未启用（单人使用，无需登录）"
        print(f"账号登录：{state}")
        for row in accounts.list_accounts():
            last = f"{row.last_login_at:%Y-%m-%d %H:%M}" if row.last_login_at else "从未登录"
            print(f"{row.username}\t{row.display_name}\t{row.role}\t{row.status_text()}\t{last}")
        return 0
    if action == "off":
        accounts.disable_accounts()
        print("已关闭账号登录：启动时不再要求登录。账号都已保留。")
        return 0
    account_id = accounts.account_id_of(args.login)
    if action == "unlock":
        accounts.unlock(account_id)
        print(f"已解锁账号 {args.login}。")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        confirm = password
    else:
        import getpass

        password = getpass.getpass("新密码：")
        confirm = getpass.getpass("再输入一次：")
    accounts.reset_password(account_id, password, confirm)
    print(f"已重置账号 {args.login} 的密码并解锁；下次登录时须修改密码。")
    return 0


def cmd_serve(args) -> int:
    from desktop.services.admin import settings
    from desktop.services.common.errors import UserError
    from desktop.services.web import server

    _open(args)
    if not settings.get("survey_enabled"):
        raise UserError("扫码评价未开启：请在 设置 → 扫码评价 中勾选开启并保存后再运行。")
    host = settings.clean_survey_host(args.host if args.host else settings.get("survey_host"))
    port = args.port if args.port is not None else int(settings.get("survey_port"))
    try:
        httpd = server.SurveyServer(host, port)
    except OSError as err:
        raise UserError(
            f"无法在 {host}:{port} 上启动扫码评价（{err.strerror or err}）：请换一个端口或地址。"
        ) from None
    print(f"扫码评价已启动：{httpd.url}（按 Ctrl+C 停止）", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.5)
    finally:
        httpd.server_close()
    return 0


def cmd_link(args) -> int:
    from desktop.services.admin import settings
    from desktop.services.web import links

    _open(args)
    link = links.link_for_task(args.task)
    url = links.url_of(link)
    if args.json:
        import json

        print(json.dumps({"url": url, "task": args.task, "expires_at": f"{link.expires_at:%Y-%m-%d %H:%M}"}))
    else:
        print(url)
    if not settings.get("survey_enabled"):
        print("提示：扫码评价尚未开启，客户打开链接前请在 设置 → 扫码评价 中开启。", file=sys.stderr)
    return 0


def cmd_screenshots(args) -> int:
    from desktop.screenshots import take_screenshots

    paths = take_screenshots(_db_path(args) if args.db else None, Path(args.out))
    for path in paths:
        print(path)
    return 0


COMMANDS = {
    None: cmd_gui,
    "gui": cmd_gui,
    "demo": cmd_demo,
    "selftest": cmd_selftest,
    "form": cmd_form,
    "schedule": cmd_schedule,
    "screenshots": cmd_screenshots,
    "report": cmd_report,
    "daily": cmd_daily,
    "import": cmd_import,
    "import-survey": cmd_import_survey,
    "scan": cmd_scan,
    "export": cmd_export,
    "consolidate": cmd_consolidate,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "check": cmd_check,
    "accounts": cmd_accounts,
    "serve": cmd_serve,
    "link": cmd_link,
}


def _log_unexpected(exc: BaseException) -> Path | None:
    """The traceback into the log file (desktop.services.common.logs); the file, or None without one."""
    from desktop.services.common import logs

    log.error("命令出错", exc_info=(type(exc), exc, exc.__traceback__))
    logs.flush()
    return logs.current_log()


def main(argv: list[str] | None = None) -> int:
    from desktop.models.connection import DatabaseDamagedError, DatabaseOpenError
    from desktop.services.common.errors import UserError
    from desktop.services.common.logs import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging()
    if args.command not in (None, "gui"):
        log.info("命令 huifang %s", args.command)
    try:
        return COMMANDS[args.command](args)
    except DatabaseDamagedError as err:  # refused before anything was written to it
        from desktop.services.maintenance.backup import damage_advice

        print(f"错误：{err}\n{damage_advice(_db_path(args))}", file=sys.stderr)
        return 3
    except (UserError, DatabaseOpenError) as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for the CLI
        if args.command in (None, "gui"):
            from desktop.app import report_fatal

            if report_fatal(exc):  # the window program has no console: a dialog, and the log
                return 1
        log_file = _log_unexpected(exc)
        where = f"详细信息已写入 {log_file}" if log_file else ""
        print(f"内部错误：{type(exc).__name__}：{exc}。{where}", file=sys.stderr)
        return 1
