"""The `negotiation` command: serve, demo, tick, audit verify, db upgrade, render, archive verify, calendar load,
backup, restore, webhooks deliver."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from negotiation.progress import Progress

if TYPE_CHECKING:
    from negotiation.bootstrap import Services

app = typer.Typer(help="行业集体协商工作流引擎", no_args_is_help=True, add_completion=False)
audit_app = typer.Typer(help="审计链", no_args_is_help=True)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
archive_app = typer.Typer(help="归档文件", no_args_is_help=True)
calendar_app = typer.Typer(help="节假日安排", no_args_is_help=True)
webhooks_app = typer.Typer(help="通知订阅（webhook）", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(db_app, name="db")
app.add_typer(archive_app, name="archive")
app.add_typer(calendar_app, name="calendar")


# Two worker processes on a machine with two cores or more: reads and document rendering run side by side, while
# writes queue for SQLite's one write lock either way (bench/README.md: more workers only add hand-overs).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def _bootstrap(*, migrate: bool = True) -> Services:
    """The services from the environment; a setting that is not acceptable stops the command, naming the variable."""
    from pydantic import ValidationError

    from negotiation.bootstrap import bootstrap
    from negotiation.config import SECRET_MIN_LENGTH, Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            variable = "NEGOTIATION_" + str(error["loc"][0]).upper()
            reason = error["msg"]
            if error["type"] == "string_too_short":
                reason = f"须至少 {SECRET_MIN_LENGTH} 个字符"
            elif variable == "NEGOTIATION_SESSION_PREVIOUS_SECRETS":
                reason = f"须为以空格分隔的旧密钥，每个至少 {SECRET_MIN_LENGTH} 个字符"
            elif error["type"] == "value_error":  # a validator's own words, without pydantic's "Value error, "
                reason = str(error.get("ctx", {}).get("error", reason))
            typer.echo(f"环境变量 {variable} 不可用：{reason}", err=True)
        raise typer.Exit(2) from None
    return bootstrap(settings, migrate=migrate)


def _fresh_metrics_directory() -> None:
    """PROMETHEUS_MULTIPROC_DIR for this run: the operator's (emptied of an earlier run's files) or a new one."""
    import tempfile
    from pathlib import Path

    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="negotiation-metrics-")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数")] = DEFAULT_WORKERS,
) -> None:
    """Apply migrations, then serve the API and the review pages."""
    _fresh_metrics_directory()  # before anything imports prometheus_client: the workers share their metrics there
    import uvicorn

    from negotiation.documents import TemplateCheckError, check_templates

    services = _bootstrap()  # migrations and the admin user, once, before workers start
    if not services.settings.archive_in_database:  # a write killed half-way left its temporary file: none writes now
        from negotiation.documents import ArchiveStore

        ArchiveStore(services.settings.archive_root).remove_leftovers()
    try:
        check_templates()  # a broken template stops the start, never a half-written PDF later
    except TemplateCheckError as exc:
        typer.echo(f"合同模板有误，服务未启动：{exc}", err=True)
        raise typer.Exit(1) from exc
    # api/http_protocol.py: negotiation/speedups.py's one-write protocol, with api.md's answer to unparsable HTTP
    uvicorn.run(
        "api.asgi:app", host=host, port=port, workers=workers, log_level="warning", access_log=False,
        http="api.http_protocol:ServedHttpProtocol",
    )  # fmt: skip


@app.command()
def demo() -> None:
    """Seed the demo sector negotiation (idempotent) and print its users' tokens."""
    from negotiation.demo import DemoTokensLost, seed_demo

    try:
        seeded = seed_demo(_bootstrap())
    except DemoTokensLost as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"演示案件编号：{seeded['case_id']}")
    for key, token in seeded["tokens"].items():
        typer.echo(f"  {key:<14} {seeded['names'][key]:<16} {token}")
    union = seeded["tokens"]["union"]
    typer.echo("\n试一试：")
    typer.echo(f"  curl -s -H 'Authorization: Bearer {union}' http://127.0.0.1:8000/api/v1/cases/{seeded['case_id']}")
    typer.echo("  审阅页面：http://127.0.0.1:8000/review （用企业代表的令牌登录）")


@app.command()
def tick(as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD（仅测试时钟模式）")] = None) -> None:
    """Run the time-driven transitions once."""
    from negotiation.service_layer.clock import today
    from negotiation.service_layer.sweeper import SweepTally
    from negotiation.service_layer.sweeper import tick as run_tick

    services = _bootstrap()
    day = today()
    if as_of is not None:
        day = date.fromisoformat(as_of)
        if day != today() and not services.settings.test_clock:
            typer.echo("只有在 NEGOTIATION_TEST_CLOCK=1 时才能指定今天以外的日期", err=True)
            raise typer.Exit(2)
    progress = Progress("处理到期期限的案件")
    tally = SweepTally()
    fired = run_tick(services.uow, as_of=day, progress=progress, tally=tally)
    progress.finish()
    if tally.taken_elsewhere or tally.conflicts:  # several sweepers at once (several hosts): say who did what
        typer.echo(
            f"本进程处理 {tally.swept} 个案件；{tally.taken_elsewhere} 个由另一进程处理；{tally.conflicts} 个版本冲突（下次运行再处理）",
            err=True,
        )
    typer.echo(json.dumps({"fired": fired}, ensure_ascii=False))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every case's audit chain; exit 1 naming the first bad event."""
    from negotiation.service_layer.queries import verify_audit

    progress = Progress("核验审计链")
    result = verify_audit(_bootstrap().uow.reading(), actor=None, progress=progress)
    progress.finish()
    typer.echo(json.dumps(result, ensure_ascii=False))
    if not result["ok"]:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every database migration."""

    _bootstrap()
    typer.echo("数据库已是最新结构")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def render(ctx: typer.Context) -> None:
    """Render a built-in sample document: render SAMPLE --format pdf|html --out FILE (no database)."""
    from negotiation.documents.render_cli import main as render_main

    raise typer.Exit(render_main(ctx.args))


@archive_app.command("verify")
def archive_verify() -> None:
    """Check every stored document against its sha256; one line per bad document, exit 1 if any."""
    from negotiation.documents import verify_all

    services = _bootstrap()
    with services.uow.reading() as uow:  # the configured archive: files, or rows of the database
        rows = [(d.id, d.sha256) for d in uow.repo.all_documents()]
        failures, progress = [], Progress("核验存档文书")
        for start in range(0, len(rows), 20):
            failures += verify_all(uow.archive, rows[start : start + 20])
            progress(min(start + 20, len(rows)), len(rows))
        progress.finish()
    for failure in failures:
        typer.echo(f"文书 {failure.document_id} sha256={failure.sha256}：{failure.reason}")
    typer.echo(f"已核验 {len(rows)} 份文书，{len(failures)} 份有问题", err=bool(failures))
    if failures:
        raise typer.Exit(1)


@calendar_app.command("load")
def calendar_load(file: Annotated[str, typer.Argument(help="放假安排 JSON 文件")]) -> None:
    """Install a year's State Council holiday schedule from FILE; the open deadlines it decides are computed again."""
    from pathlib import Path

    from negotiation.errors import NegotiationError
    from negotiation.service_layer.holiday_calendar import load_calendar_file

    services = _bootstrap()
    try:
        result = load_calendar_file(services.uow(), text=Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"无法读取文件 {file}：{exc}", err=True)
        raise typer.Exit(1) from exc
    except NegotiationError as exc:
        typer.echo(exc.message, err=True)
        for v in exc.violations:
            typer.echo(f"  {v.path or ''}：{v.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("backup")
def backup_command(folder: Annotated[Path, typer.Argument(help="备份目录（新的或空的）")]) -> None:
    """Write a consistent copy of the database and the archive into FOLDER, with manifest.json, while serving."""
    from negotiation.backup import BackupError, backup

    services = _bootstrap(migrate=False)  # the database as it is: a backup changes nothing in it
    try:
        summary = backup(services, folder)
    except BackupError as exc:
        typer.echo(f"备份失败：{exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        services.engine.dispose()
    archive = "文书存于数据库中" if summary.archive == "database" else f"另有 {summary.files - 1} 个存档文件"
    typer.echo(f"已备份到 {folder}：{summary.dialect} 数据库（{archive}），清单见 manifest.json")


@app.command("restore")
def restore_command(
    folder: Annotated[Path, typer.Argument(help="备份目录")],
    force: Annotated[bool, typer.Option("--force", help="覆盖非空的数据库和存档")] = False,
) -> None:
    """Check FOLDER against its manifest, then load it into the configured (empty) database and archive."""
    from negotiation.backup import BackupError, restore

    services = _bootstrap(migrate=False)  # the target is checked and replaced, not migrated first
    try:
        summary = restore(services, folder, force=force)
    except BackupError as exc:
        typer.echo(f"恢复失败：{exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        services.engine.dispose()
    typer.echo(f"已从 {folder} 恢复：{summary.dialect} 数据库，{summary.documents} 份文书，共 {summary.files} 个文件")


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """One delivery pass: fan the outbox out and send every delivery that is due (the server does this every second)."""
    from negotiation.service_layer.webhook_delivery import deliver_pass
    from negotiation.service_layer.webhooks import webhook_policy

    services = _bootstrap()
    report = deliver_pass(services.uow, webhook_policy(services.settings))
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))


def main() -> None:
    """Console-script entry point."""
    app(prog_name="negotiation")


if __name__ == "__main__":
    main()
