"""Every word the app shows, in Japanese (the default, the manual's labels) and English."""

from __future__ import annotations

from datetime import datetime

from onetime.app import errors
from onetime.app.format import bank_time

LANGUAGES = ("ja", "en")

JA: dict[str, str] = {
    "app.title": "ワンタイムパスワード",
    "key.back": "戻る", "key.quit": "終了", "key.list": "トークン一覧", "key.add": "初期設定",
    "key.settings": "設定", "key.retry": "再確認",
    # 初期設定
    "setup.title": "初期設定",
    "setup.intro": "メールに記載の「サービスID」「ユーザID」と、トークン発行時に入力した"
                   "「利用開始パスワード」を入力し、「送信」を選択してください。",
    "setup.service_id": "サービスID", "setup.user_id": "ユーザID",
    "setup.password": "利用開始パスワード", "setup.submit": "送信", "setup.sending": "送信中…",
    "setup.missing": "{field}を入力してください。",
    "setup.invalid_user_id": "ユーザIDの形式が正しくありません。",
    "setup.invalid_password": "利用開始パスワードは4～16桁の数字です。",
    # 初期設定完了
    "done.title": "初期設定完了",
    "done.body": "{institution} のトークンを登録しました。\nユーザID: {user_id}",
    "done.note": "※「初期設定完了」だけでは、ワンタイムパスワードの設定は完了していません。"
                 "この後、ビジネスバンキングの「ワンタイムパスワード認証確認」画面で、"
                 "次の画面のワンタイムパスワードを入力してください。",
    "done.next": "次へ",
    # the code
    "code.title": "ワンタイムパスワード", "code.user": "ユーザID: {user_id}",
    "code.left": "残り時間 {left}",
    "code.note": "ワンタイムパスワードの使用期限は1分間です。残り時間を確認してください。",
    # tokens
    "list.title": "トークン一覧", "list.item": "{institution}  ユーザID: {user_id}",
    # 設定
    "settings.title": "設定", "settings.lock": "アプリロック設定",
    "settings.delete": "トークン削除", "settings.time": "時刻確認", "settings.language": "言語",
    "lock.title": "アプリロック設定", "lock.state": "アプリロック: {state}",
    "lock.intro": "アプリロックを設定すると、起動時にアプリロックコードの入力が必要になります。",
    "lock.on": "ON", "lock.off": "OFF", "lock.turned_on": "アプリロックを ON にしました。",
    "lock.turned_off": "アプリロックを OFF にしました。",
    "lockcode.title": "アプリロックコード設定", "lockcode.code": "アプリロックコード",
    "lockcode.repeat": "アプリロックコード（確認用）",
    "lockcode.rule": "※ アプリロックコードで使用できる文字は、1～32文字の半角数字[0～9]です。",
    "lockcode.warning": "アプリロックコードを忘れてしまうと、本アプリが起動できなくなります。"
                        "アプリロックコードはアプリ内にのみ保存されるため、金融機関ではお調べ"
                        "できません。利用を再開するにはトークンをすべて削除する必要があり、"
                        "他金融機関のトークンも削除されます。",
    "lockcode.submit": "確定", "lockcode.saving": "設定中…",
    "lockcode.invalid": "1～32文字の半角数字[0～9]で入力してください。",
    "lockcode.mismatch": "2回の入力が一致しません。",
    # アプリロック (unlock)
    "unlock.title": "アプリロック", "unlock.prompt": "アプリロックコードを入力してください。",
    "unlock.code": "アプリロックコード", "unlock.submit": "確定", "unlock.checking": "確認中…",
    "unlock.wrong": "アプリロックコードが正しくありません。",
    "unlock.left": "あと {n} 回間違えると、すべての金融機関のトークンが削除されます。",
    "unlock.delay": "{time} 以降に再度入力してください。",
    "unlock.wiped": "アプリロックコードを10回間違えたため、すべての金融機関のトークンを"
                    "削除しました。トークンを再発行し、初期設定を行ってください。",
    "unlock.tampered": "ロック解除の失敗記録が書き換えられていました。"
                       "第三者が端末を操作した可能性があります。",
    # トークン削除
    "delete.title": "トークン削除", "delete.intro": "削除するトークンを選択してください。",
    "delete.warning": "削除したトークンは元に戻せません。機種変更の際は、先に「トークンの失効」"
                      "を行ってください。再び使うには、トークンの再発行と初期設定が必要です。",
    "delete.confirm": "{institution}（ユーザID: {user_id}）のトークンを削除しますか？",
    "delete.ok": "削除", "delete.cancel": "キャンセル", "delete.done": "トークンを削除しました。",
    "delete.none": "登録されているトークンはありません。",
    # 時刻確認
    "time.title": "時刻確認", "time.checking": "確認中…",
    "time.device": "端末の時刻: {time}", "time.server": "サーバの時刻: {time}",
    "time.diff": "差: {seconds} 秒", "time.ok": "端末の時刻は正確です。",
    "time.warning": "端末の時刻が {seconds} 秒ずれています。ワンタイムパスワードは時刻から"
                    "作られるため、端末の時刻を正しく合わせてください。",
    # 言語
    "language.title": "言語", "language.ja": "日本語", "language.en": "English",
    # a vault that cannot be read
    "broken.title": "トークンを読み込めません",
    "broken.body": "トークンの保存ファイルが壊れているか、書き換えられています。"
                   "すべてのトークンを削除して初期設定からやり直すことができます。",
    "broken.wipe": "すべて削除", "broken.quit": "終了",
    # errors, by AppError.code
    "error.wrong_activation_password": "利用開始パスワードが正しくありません（残り {n} 回）。",
    "error.wrong_activation_password_last": "利用開始パスワードを規定回数間違えたため、"
                                            "トークン発行が無効になりました。"
                                            "トークンを再発行してください。",
    "error.setup_embargoed": "初期設定は {time} 以降に可能です",
    "error.issuance_expired": "トークン発行の有効期限が切れているか、無効になっています。"
                              "トークンを再発行してください。",
    "error.no_issuance": "初期設定を待っているトークン発行がありません。"
                         "サービスIDとユーザIDをご確認ください。",
    "error.unreachable": "サービスに接続できません。通信環境をご確認のうえ、再度お試しください。",
    "error.protocol_failure": "サーバの応答を確認できませんでした。正規のサービスでない"
                              "可能性があるため、何も保存していません。",
    "error.setup_interrupted": "通信が中断されました。もう一度「送信」を選択してください。",
    "error.invalid_input": "サービスIDまたはユーザIDの形式が正しくありません。",
    "error.insecure_url": "安全でない接続先です（https:// を使用してください）。",
    "error.vault_corrupt": "トークンの保存ファイルを読み込めません。",
    "error.token_not_found": "該当するトークンがありません。",
    "error.error": "エラーが発生しました。",
}

EN: dict[str, str] = {
    "app.title": "One-time password",
    "key.back": "Back", "key.quit": "Quit", "key.list": "Tokens", "key.add": "Set up",
    "key.settings": "Settings", "key.retry": "Check again",
    "setup.title": "Initial setup",
    "setup.intro": "Enter the service ID and user ID from the e-mail, and the activation "
                   "password you chose when the token was issued, then select Send.",
    "setup.service_id": "Service ID", "setup.user_id": "User ID",
    "setup.password": "Activation password", "setup.submit": "Send", "setup.sending": "Sending…",
    "setup.missing": "Enter the {field}.",
    "setup.invalid_user_id": "The user ID is not in a valid format.",
    "setup.invalid_password": "The activation password is 4-16 digits.",
    "done.title": "Setup complete",
    "done.body": "The token of {institution} is registered.\nUser ID: {user_id}",
    "done.note": "Note: setup is not finished yet. Type the one-time password of the next "
                 "screen into the authentication confirmation screen of the banking site.",
    "done.next": "Next",
    "code.title": "One-time password", "code.user": "User ID: {user_id}",
    "code.left": "Time left {left}",
    "code.note": "A one-time password is valid for one minute. Mind the time left.",
    "list.title": "Tokens", "list.item": "{institution}  User ID: {user_id}",
    "settings.title": "Settings", "settings.lock": "App lock",
    "settings.delete": "Delete a token", "settings.time": "Check the clock",
    "settings.language": "Language",
    "lock.title": "App lock", "lock.state": "App lock: {state}",
    "lock.intro": "With the app lock ON, the app asks for the lock code when it starts.",
    "lock.on": "ON", "lock.off": "OFF", "lock.turned_on": "The app lock is ON.",
    "lock.turned_off": "The app lock is OFF.",
    "lockcode.title": "Set the lock code", "lockcode.code": "Lock code",
    "lockcode.repeat": "Lock code (again)",
    "lockcode.rule": "The lock code is 1-32 digits 0-9.",
    "lockcode.warning": "If you forget the lock code the app cannot start. It is kept only "
                        "in this app, so your bank cannot look it up. To start over, every "
                        "token is deleted, those of other banks too.",
    "lockcode.submit": "OK", "lockcode.saving": "Saving…",
    "lockcode.invalid": "Use 1-32 digits 0-9.",
    "lockcode.mismatch": "The two entries differ.",
    "unlock.title": "App lock", "unlock.prompt": "Enter the lock code.",
    "unlock.code": "Lock code", "unlock.submit": "OK", "unlock.checking": "Checking…",
    "unlock.wrong": "Wrong lock code.",
    "unlock.left": "{n} more wrong codes delete the tokens of every bank.",
    "unlock.delay": "Try again after {time}.",
    "unlock.wiped": "10 wrong lock codes: the tokens of every bank were deleted. Issue a new "
                    "token and set it up again.",
    "unlock.tampered": "The record of wrong lock codes was edited: someone may have used "
                       "this device.",
    "delete.title": "Delete a token", "delete.intro": "Select the token to delete.",
    "delete.warning": "A deleted token cannot be restored. Before a phone change, have the "
                      "token revoked first. Using it again needs a new token and a new setup.",
    "delete.confirm": "Delete the token of {institution} (user ID {user_id})?",
    "delete.ok": "Delete", "delete.cancel": "Cancel", "delete.done": "The token was deleted.",
    "delete.none": "There are no tokens.",
    "time.title": "Check the clock", "time.checking": "Checking…",
    "time.device": "Device time: {time}", "time.server": "Server time: {time}",
    "time.diff": "Difference: {seconds} s", "time.ok": "The device clock is right.",
    "time.warning": "The device clock is {seconds} s off. Codes come from the time: set the "
                    "device clock right.",
    "language.title": "Language", "language.ja": "日本語", "language.en": "English",
    "broken.title": "The tokens cannot be read",
    "broken.body": "The token file is damaged or was edited. You can delete every token and "
                   "start again with the initial setup.",
    "broken.wipe": "Delete all", "broken.quit": "Quit",
    "error.wrong_activation_password": "Wrong activation password ({n} attempts left).",
    "error.wrong_activation_password_last": "Too many wrong activation passwords: the token "
                                            "issuance is void. Issue a new token.",
    "error.setup_embargoed": "Setup is possible from {time}",
    "error.issuance_expired": "The token issuance has expired or is void. Issue a new token.",
    "error.no_issuance": "No token issuance is waiting for setup. Check the service ID and "
                         "the user ID.",
    "error.unreachable": "The service cannot be reached. Check the connection and try again.",
    "error.protocol_failure": "The server's answer could not be verified. It may not be the "
                              "real service, so nothing was stored.",
    "error.setup_interrupted": "The exchange was interrupted. Select Send again.",
    "error.invalid_input": "The service ID or the user ID is not in a valid format.",
    "error.insecure_url": "Insecure server address (use https://).",
    "error.vault_corrupt": "The token file cannot be read.",
    "error.token_not_found": "No such token.",
    "error.error": "An error occurred.",
}

CATALOGUES = {"ja": JA, "en": EN}


class Translator:
    """`t("setup.title")` → the text in the current language; raises KeyError if missing."""

    def __init__(self, language: str = "ja") -> None:
        self.language = language if language in CATALOGUES else "ja"
        self._texts = CATALOGUES[self.language]

    def knows(self, key: str) -> bool:
        return key in self._texts

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts[key]
        return text.format(**values) if values else text


def describe(error: errors.AppError, t: Translator, now: datetime) -> str:
    """The user's message for an app error."""
    if isinstance(error, errors.WrongActivationPassword):
        if error.attempts_left == 0:
            return t("error.wrong_activation_password_last")
        return t("error.wrong_activation_password", n=error.attempts_left)
    if isinstance(error, errors.SetupEmbargoed):
        return t("error.setup_embargoed", time=bank_time(error.available_at, now))
    key = f"error.{error.code}"
    return t(key) if t.knows(key) else t("error.error")
