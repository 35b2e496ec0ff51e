"""総合振込・給与・賞与振込 screens: upload → errors or confirmation → step-up → result;
entry on screen with 明細追加; the entered batch downloaded as a 全銀 file."""

from __future__ import annotations

from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import DepositType, Header, Kind, Transfer, ZenginFile
from onetime.domain.values import Operation
from tests.banking.service.test_bulk import only_rights
from tests.banking.world import activate, code
from tests.web.routes.conftest import csrf_of, log_in, page_token, refused

START = 5_000_000


def payroll(world, amounts, kind=Kind.PAYROLL) -> bytes:
    source = world.site.bulk.accounts(world.master)[0]
    head = Header(kind=kind, requester_code="0001000001", requester_name="ﾃﾞﾓｼﾖｳｼﾞ(ｶ",
                  transfer_date="1126", bank_code=source.bank_code,
                  branch_code=source.branch_code, deposit_type=DepositType.ORDINARY,
                  account_number=source.account_number)
    return zengin.render(ZenginFile(head, tuple(
        Transfer("0001", "001", DepositType.ORDINARY, f"{i + 1:07d}", "ﾀﾅｶ ｲﾁﾛｳ", amount)
        for i, amount in enumerate(amounts))))


def upload(client, data: bytes, token: str):
    return client.post("/bulk/upload", data={"csrf_token": token},
                       files={"file": ("kyuyo.txt", data, "text/plain")})


def request_id(html: str) -> str:
    return html.split('name="request_id" value="')[1].split('"')[0]


def balance(world) -> int:
    return world.site.bulk.accounts(world.master)[0].balance


class TestUpload:
    def test_a_payroll_file_is_confirmed_then_booked_once(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/bulk")
        response = upload(client, payroll(world, [200_000, 10_000, 350_000]), token)
        assert response.headers["location"] == "/bulk/confirm"
        confirm = client.get("/bulk/confirm").text
        assert '<dd id="kind">給与振込' in confirm
        assert "合計件数</dt><dd id=\"count\">3件" in confirm
        assert "合計金額</dt><dd id=\"total\">560,000円" in confirm
        assert '<dd id="fees">1,760円' in confirm
        assert "みずほ" in confirm
        assert "ﾀﾅｶ ｲﾁﾛｳ" in confirm
        assert balance(world) == START  # confirmation books nothing
        rid = request_id(confirm)
        form = {"csrf_token": token, "request_id": rid, "confirmation_password": "Master-conf1",
                "code": code(secret, clock)}
        response = client.post("/bulk/confirm", data=form)
        assert response.headers["location"] == "/bulk/result"
        result = client.get("/bulk/result").text
        assert "振込データを受け付けました" in result
        assert '<dd id="reference">' in result
        assert balance(world) == START - 561_760
        clock.advance(60)
        again = client.post("/bulk/confirm", data={**form, "code": code(secret, clock)})
        assert "このデータは既に受け付けています" in refused(client, again, "/bulk/result")
        assert balance(world) == START - 561_760

    def test_a_broken_file_lists_every_error_and_books_nothing(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/bulk")
        data = bytearray(payroll(world, [1_000, 2_000, 3_000]))
        data[122 + 80] = ord("X")  # line 2's 金額 (offset 80 of a data record)
        data[366 + 1:366 + 5] = b"9999"  # line 4's bank code: no such bank
        page = refused(client, upload(client, bytes(data), token), "/bulk")
        assert "振込ファイルに誤りがあります" in page
        assert "振込データに2件の誤りがあります" in page
        rows = page.split('<tbody>')[1].split('</tbody>')[0]
        assert "<td>2</td><td>振込金額</td><td>202</td>" in rows
        assert "<td>4</td><td>金融機関番号</td><td>367</td>" in rows
        assert balance(world) == START
        assert 'id="problems"' not in client.get("/bulk").text  # shown once

    def test_what_is_no_zengin_file_says_so(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        page = refused(client, upload(client, "給与です".encode(), page_token(client, "/bulk")),
                       "/bulk")
        assert "振込ファイルに誤りがあります" in page
        assert "<td>1</td>" in page

    def test_the_upload_refuses_a_forged_token(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        response = upload(client, payroll(world, [1_000]), "forged")
        assert response.status_code == 403
        assert client.get("/bulk/confirm").headers["location"] == "/bulk"


def entry(client, token, lines, *, action="next", kind="11", account=None, count=3):
    data = {"csrf_token": token, "kind": kind, "from_account": str(account),
            "lines": str(count), "action": action}
    for n, line in enumerate(lines, start=1):
        for key, value in zip(("bank_code", "branch_code", "account_type", "account_number",
                               "holder_name", "amount"), line, strict=True):
            data[f"{key}_{n}"] = value
    return client.post("/bulk/entry", data=data)


class TestEntry:
    def test_add_line_then_a_bad_amount_names_its_line(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        account = world.site.bulk.accounts(world.master)[0].id
        token = page_token(client, "/bulk/entry")
        first = ("0001", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ", "1000")
        response = entry(client, token, [first], action="add", account=account)
        page = client.get(response.headers["location"]).text
        assert 'name="amount_4"' in page
        assert 'value="ﾔﾏﾀﾞ"' in page
        over = ("0001", "001", "ordinary", "7654321", "ｽｽﾞｷ", "10000000000")
        page = refused(client, entry(client, token, [first, over], account=account, count=4),
                       "/bulk/entry")
        assert "振込データに誤りのある明細があります" in page
        assert "2件目：振込金額が1回あたりの限度額を超えています" in page
        assert 'value="10000000000"' in page  # kept to correct
        assert balance(world) == START

    def test_the_entered_batch_downloads_as_a_zengin_file(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        account = world.site.bulk.accounts(world.master)[0].id
        token = page_token(client, "/bulk/entry")
        response = entry(client, token, [("0001", "001", "ordinary", "1234567", "ヤマダ タロウ",
                                          "1,000"), ("", "", "ordinary", "", "", "")],
                         kind="21", account=account)
        assert response.headers["location"] == "/bulk/confirm"
        download = client.get("/bulk/download")
        assert download.status_code == 200
        assert download.headers["content-disposition"].startswith("attachment; filename=")
        assert len(download.content) == 4 * 122
        read = zengin.parse(download.content, None)
        assert read.kind is Kind.BULK
        assert [(t.recipient_name, t.amount) for t in read.transfers] == [("ﾔﾏﾀﾞ ﾀﾛｳ", 1000)]
        # The same bytes upload again to the same batch.
        again = upload(client, download.content, token)
        assert again.headers["location"] == "/bulk/confirm"
        assert "合計金額</dt><dd id=\"total\">1,000円" in client.get("/bulk/confirm").text

    def test_the_menu_has_the_manuals_label(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        top = client.get("/top").text
        assert '<a href="/bulk">総合振込・給与・賞与振込</a>' in top
        page = client.get("/bulk").text
        assert "ファイル取込" in page
        assert "振込データ" in page
        assert 'enctype="multipart/form-data"' in page
        assert csrf_of(page)


class TestSize:
    def test_a_thousand_line_payroll_passes_the_body_limit(self, client, world, clock):
        # 122 KB: over the API's 64 KiB default, which /bulk/upload lifts to 1 MiB.
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        data = payroll(world, [1_000] * 1_000)
        assert len(data) > 64 * 1024
        response = upload(client, data, page_token(client, "/bulk"))
        assert response.headers["location"] == "/bulk/confirm"
        assert "<dd id=\"count\">1000件" in client.get("/bulk/confirm").text

    def test_a_file_over_the_limit_is_refused_with_a_message(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        response = upload(client, b"1" * (1024 * 1024 + 1), page_token(client, "/bulk"))
        assert "振込データのファイルが大きすぎます" in refused(client, response, "/bulk")
        assert balance(world) == START


class TestRights:
    def test_a_user_without_the_payroll_right_is_told_and_nothing_is_drafted(
            self, client, world, clock):
        activate(world, world.general, clock)
        only_rights(world, world.general, Operation.TRANSFER)
        log_in(client, "demo-general")
        token = page_token(client, "/bulk")
        page = refused(client, upload(client, payroll(world, [1_000]), token), "/bulk")
        assert "この取引の利用権限がありません。" in page
        assert 'name="request_id"' not in client.get("/bulk/confirm").text
