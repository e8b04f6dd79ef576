"""``huifang [--db PATH] COMMAND``: the GUI (no command) and the scriptable commands.

Errors go to stderr in Chinese with a non-zero exit code, never a traceback (the traceback of an
unexpected error is written to the log file in the data folder).
"""

import argparse
import sys
from pathlib import Path

from desktop import APP_NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huifang", description=f"{APP_NAME}:售后服务回访与客户满意度管理")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db", metavar="PATH", help="数据库文件(默认:用户数据目录中的 huifang.db,或环境变量 HUIFANG_DB)"
    )
    parser.add_argument("--demo", action="store_true", help="启动界面时若数据库不存在,直接生成演示数据")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("gui", help="打开图形界面(默认)")

    p = sub.add_parser("demo", help="生成演示数据(最近12个月的客户、工单、回访、改进措施)")
    p.add_argument("--customers", type=int, default=300, help="客户数量(默认 300)")
    p.add_argument("--seed", type=int, default=20241, help="随机种子,相同种子生成相同数据")

    sub.add_parser("selftest", help="自检:离屏构建主窗口、打开每个页面、打印一张表,成功返回 0")

    p = sub.add_parser("form", help="把回访表打印成 PDF(填好的或空白的)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--visit", type=int, metavar="ID", help="回访记录编号")
    group.add_argument("--blank", action="store_true", help="空白表,供纸质回访")
    p.add_argument("--template", metavar="NAME", help="空白表使用的问卷模板(名称或代号,默认为默认问卷)")
    p.add_argument("--out", required=True, metavar="F.pdf", help="输出 PDF 文件")

    p = sub.add_parser("schedule", help="按回访触发规则生成到期的回访任务(已建的不会重复)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="按指定日期计算(默认今天)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出各触发规则新建的任务数")

    p = sub.add_parser("import", help="从 .xlsx/.xls/.csv 导入客户或服务工单,错误行写入错误报告")
    p.add_argument("kind", choices=["customers", "orders"], help="customers=客户,orders=服务工单")
    p.add_argument("file", metavar="FILE", help="要导入的文件(.xlsx、.xls 或 .csv,UTF-8 或 GBK)")
    p.add_argument("--mode", choices=["update", "skip"], default="update", help="编号已存在:更新(默认)或跳过")
    p.add_argument("--report", metavar="F.xlsx", help="错误报告保存位置(默认:源文件旁边)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    p = sub.add_parser("screenshots", help="把每个主要页面和打印页截图为 PNG")
    p.add_argument("--out", required=True, metavar="DIR", help="输出目录")
    return parser


def _db_path(args) -> Path:
    from desktop.paths import default_db_path

    return Path(args.db).expanduser() if args.db else default_db_path()


def _open(args):
    from desktop.services.bootstrap import open_app_database

    return open_app_database(_db_path(args))


def cmd_gui(args) -> int:
    from desktop.app import run_gui

    return run_gui(_db_path(args), demo_if_new=args.demo)


def cmd_demo(args) -> int:
    from desktop.services.demo import generate_demo

    _open(args)
    summary = generate_demo(customers=args.customers, seed=args.seed)
    print("已生成演示数据:" + ",".join(f"{k} {v}" for k, v in summary.items()))
    return 0


def cmd_selftest(args) -> int:
    from desktop.selftest import run_selftest

    return run_selftest(_db_path(args) if args.db else None)


def cmd_form(args) -> int:
    from desktop.app import create_qapp
    from desktop.views.printing import blank_form_pdf, visit_form_pdf

    _open(args)
    create_qapp()
    out = Path(args.out)
    if args.visit is not None:
        visit_form_pdf(args.visit, out)
    else:
        blank_form_pdf(args.template, out)
    print(f"已生成:{out}")
    return 0


def cmd_schedule(args) -> int:
    from datetime import datetime

    from desktop.services import scheduler
    from desktop.services.dates import parse_date

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

    from desktop.services.importer import run_import

    _open(args)
    result = run_import(Path(args.file).expanduser(), args.kind, mode=args.mode, report_path=args.report)
    print(json.dumps(result.as_json(), ensure_ascii=False) if args.json else result.summary())
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
    "import": cmd_import,
}


def _log_unexpected(exc: BaseException) -> Path | None:
    import traceback

    try:
        from desktop.paths import data_dir

        log = data_dir() / "huifang-error.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as fh:
            traceback.print_exception(exc, file=fh)
        return log
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    from desktop.models.connection import DatabaseOpenError
    from desktop.services.errors import UserError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (UserError, DatabaseOpenError) as err:
        print(f"错误:{err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for the CLI
        log = _log_unexpected(exc)
        where = f"详细信息已写入 {log}" if log else ""
        print(f"内部错误:{type(exc).__name__}: {exc}。{where}", file=sys.stderr)
        return 1
