"""E-mail: saved messages and mailboxes, with Japanese encodings, encoded bodies and attachments."""

from __future__ import annotations

import base64
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

from mamori.discovery.engine.readers.mail import ADDRESS_HEADERS
from mamori.discovery.engine.scan import ScanOptions, scan_paths
from mamori.discovery.engine.types import Finding, ReadLimits

BODY = (
    "いつもお世話になっております。\nカード番号：4111 1111 1111 1111\nセキュリティコード：123\nよろしくお願いします。\n"
)


def found(path: Path) -> set[tuple[str, str, int | None]]:
    """(type, place inside the file, line) of the card data found in ``path``."""
    report = scan_paths([path], ScanOptions(workers=1, hash_key=b"k"))
    assert report.problems == []
    return {(f.type, f.path.removeprefix(str(path)), f.line) for f in report.findings if _card_data(f)}


def _card_data(finding: Finding) -> bool:
    return finding.type in ("credit_card_number", "card_security_code")


def message(body: str = BODY, charset: str = "utf-8", cte: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "山田太郎 <taro@example.jp>"
    msg["To"] = "support@hobby-shop.example.jp"
    msg["Subject"] = "カード決済について"
    msg.set_content(body, charset=charset, cte=cte)
    return msg


def test_a_base64_body_is_decoded(tmp_path: Path) -> None:
    # given a saved message whose UTF-8 body is base64-encoded (invisible to a plain text search)
    path = tmp_path / "inquiry.eml"
    path.write_bytes(message(cte="base64").as_bytes())
    assert b"4111" not in path.read_bytes()
    # when / then: the card number and security code are found in the decoded part
    assert found(path) == {("credit_card_number", "!part-1", 2), ("card_security_code", "!part-1", 3)}


def test_an_iso_2022_jp_body_keeps_the_file_line_numbers(tmp_path: Path) -> None:
    # given a message as Japanese mail software writes it: 7-bit ISO-2022-JP
    path = tmp_path / "inquiry.eml"
    data = message(charset="iso-2022-jp", cte="7bit").as_bytes()
    path.write_bytes(data)
    lines = data.split(b"\n")
    card_line = next(i for i, line in enumerate(lines, start=1) if b"4111" in line)
    # when / then: the security code behind a Japanese keyword is found, on the lines of the file
    assert found(path) == {("credit_card_number", "", card_line), ("card_security_code", "", card_line + 1)}


def test_quoted_printable_parts_and_a_csv_attachment_are_read(tmp_path: Path) -> None:
    # given a multipart message: a quoted-printable text and an order list attached in CP932
    msg = message(cte="quoted-printable")
    orders = "注文番号,カード番号,セキュリティコード\n1001,5555555555554444,456\n".encode("cp932")
    msg.add_attachment(orders, maintype="text", subtype="csv", filename="orders.csv")
    path = tmp_path / "forward.eml"
    path.write_bytes(msg.as_bytes())
    # when / then
    assert found(path) == {
        ("credit_card_number", "!part-1", 2),
        ("card_security_code", "!part-1", 3),
        ("credit_card_number", "!orders.csv", 2),
        ("card_security_code", "!orders.csv", 2),
    }


def test_a_zip_attached_to_a_mail_is_opened(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("export/cards.csv", "card_no,cvv\n4111111111111111,123\n")
    msg = message(body="添付をご確認ください。\n")
    msg.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="export.zip")
    path = tmp_path / "export.eml"
    path.write_bytes(msg.as_bytes())
    assert found(path) == {
        ("credit_card_number", "!export.zip!export/cards.csv", 2),
        ("card_security_code", "!export.zip!export/cards.csv", 2),
    }


def test_an_encoded_subject_and_the_addresses_are_searched(tmp_path: Path) -> None:
    path = tmp_path / "inquiry.eml"
    path.write_bytes(message(body="本文なし\n").as_bytes())
    report = scan_paths([path], ScanOptions(workers=1, hash_key=b"k"))
    emails = sorted((f.column, f.masked) for f in report.findings if f.type == "email_address")
    assert emails == [("From", "t***@example.jp"), ("To", "s***@hobby-shop.example.jp")]


def test_every_message_of_a_mailbox_is_read_on_its_own_lines(tmp_path: Path) -> None:
    # given an mbox file with a plain message and a base64 one
    first = message(charset="iso-2022-jp", cte="7bit").as_bytes()
    second = message(cte="base64").as_bytes()
    mbox = b"From taro@example.jp Fri Jun  1 10:00:00 2018\n" + first + b"\n"
    mbox += b"From hanako@example.jp Sat Jun  2 11:00:00 2018\n" + second + b"\n"
    path = tmp_path / "Inbox"
    path.write_bytes(mbox)
    card_line = next(i for i, line in enumerate(mbox.split(b"\n"), start=1) if b"4111" in line)
    # when / then
    assert found(path) == {
        ("credit_card_number", "", card_line),
        ("card_security_code", "", card_line + 1),
        ("credit_card_number", "!message-2/part-1", 2),
        ("card_security_code", "!message-2/part-1", 3),
    }


def test_a_plain_text_note_that_starts_like_a_mail_stays_text(tmp_path: Path) -> None:
    # given a support note saved as text, headers first but no MIME
    path = tmp_path / "note.txt"
    path.write_text("From: 山田 <taro@example.jp>\nSubject: 注文\n\n" + BODY, encoding="utf-8")
    # when / then: lines are the file's, with no part in the path
    assert found(path) == {("credit_card_number", "", 5), ("card_security_code", "", 6)}


def test_an_iso_2022_jp_text_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_bytes(BODY.encode("iso2022_jp"))
    assert found(path) == {("credit_card_number", "", 2), ("card_security_code", "", 3)}


def test_a_broken_mail_is_still_searched(tmp_path: Path) -> None:
    # given a file that claims to be a MIME message but whose base64 body is cut off
    path = tmp_path / "broken.eml"
    body = base64.b64encode("カード番号：4111111111111111".encode())
    path.write_bytes(
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n\n" + body + b"\n====\n"
    )
    # when
    report = scan_paths([path], ScanOptions(workers=1, hash_key=b"k"))
    # then the scan goes on and what could be decoded is searched
    assert [f.type for f in report.findings] == ["credit_card_number"]


def test_a_mail_with_more_parts_than_the_archive_limit_stops_with_a_message(tmp_path: Path) -> None:
    # given a message with more attachments than an archive may have members
    msg = message(body="添付多数\n")
    for n in range(5):
        msg.add_attachment(b"card_no\n4111111111111111\n", maintype="text", subtype="csv", filename=f"{n}.csv")
    path = tmp_path / "many.eml"
    path.write_bytes(msg.as_bytes())
    # when it is read with a limit of 3 members
    report = scan_paths([path], ScanOptions(workers=1, hash_key=b"k", limits=ReadLimits(max_archive_members=3)))
    # then the limit is reported as such, not as an undecodable mail
    assert len(report.problems) == 1
    assert "max_archive_members" in report.problems[0].message


def test_a_mail_with_crlf_line_ends_keeps_header_and_body_lines(tmp_path: Path) -> None:
    # given a message saved with Windows line ends, its Reply-To the last of many headers
    msg = message(charset="iso-2022-jp", cte="7bit")
    for n in range(6):
        msg[f"X-Trace-{n}"] = "relay.example.jp"
    msg["Reply-To"] = "hanako@example.jp"
    data = msg.as_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "inquiry.eml"
    path.write_bytes(data)
    lines = data.split(b"\r\n")
    reply_line = next(i for i, line in enumerate(lines, start=1) if line.startswith(b"Reply-To:"))
    card_line = next(i for i, line in enumerate(lines, start=1) if b"4111" in line)
    # when
    report = scan_paths([path], ScanOptions(workers=1, hash_key=b"k"))
    # then the Reply-To address and the card are reported on their own lines of the file
    lines_by_type = {(f.type, f.column if f.column in ADDRESS_HEADERS else None): f.line for f in report.findings}
    assert lines_by_type[("email_address", "Reply-To")] == reply_line
    assert lines_by_type[("credit_card_number", None)] == card_line
