"""argparse in Vietnamese: its own words (usage, options, errors) for every command line of the product (the ETL's, the
launcher's). Standard library only: the launcher uses it before the project's .venv exists."""
from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable

# argparse's own words, which it writes through its module's gettext.
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không dùng được ở đây: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không có: %(value)r (chọn một trong %(choices)s)",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn chưa rõ: %(option)s có thể là %(matches)s",
    "not allowed with argument %s": "không dùng cùng với %s",
    "ignored explicit argument %r": "giá trị %r bị bỏ qua",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
}


@contextlib.contextmanager
def vietnamese_argparse():
    """argparse looks its words up through the module-level gettext names at call time: swapped while this command
    line builds its parser and parses, restored after."""
    saved = argparse._, argparse.ngettext
    argparse._ = lambda text: _ARGPARSE_VI.get(text, text)
    argparse.ngettext = lambda one, many, n: _ARGPARSE_VI.get(one if n == 1 else many, one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def command_parser(prog: str, description: str) -> tuple[argparse.ArgumentParser,
                                                         Callable[[str, str, Callable], argparse.ArgumentParser]]:
    """A command line of sub-commands (the ETL's, the accounts'): the parser, and `command(name, help, func)` that adds
    a sub-command taking the data directory (--data-dir) and running `func(args)`; add its own arguments to it."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, title="lệnh", metavar="LỆNH")

    def command(name: str, help_text: str, func: Callable) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--data-dir", metavar="THƯ_MỤC",
                       help="thư mục dữ liệu (mặc định $COVID_DATA_DIR, nếu không có thì ./data)")
        p.set_defaults(func=func)
        return p

    return parser, command


def run_command(parser: Callable[[], argparse.ArgumentParser], argv: list[str] | None, prog: str,
                refused: tuple[type[BaseException], ...], exit_refused: int = 2) -> int:
    """Parse `argv` with Vietnamese help and errors, run the chosen sub-command (`args.func`), and turn a refusal
    (one of `refused`) into one line on stderr, "<prog> <command>: lỗi: <reason>", and `exit_refused`."""
    with vietnamese_argparse():
        args = parser().parse_args(argv)
    try:
        return args.func(args)
    except refused as exc:
        print(f"{prog} {args.command}: lỗi: {exc}", file=sys.stderr)
        return exit_refused
