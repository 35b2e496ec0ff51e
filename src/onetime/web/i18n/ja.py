"""日本語 (the default): screen names and buttons exactly as the manual writes them."""

LABELS = {
    "site.title": "{bank} ビジネスバンキング",
    "site.branch_title": "{bank} 店舗窓口コンソール",
    "nav.top": "トップページ",
    "nav.transfer": "振込・振替",
    "nav.manage": "管理",
    "nav.logout": "ログアウト",
    "nav.main": "メインメニュー",
    "nav.skip": "本文へ移動",
    "lang.other": "English",
    "lang.other_code": "en",
    "common.back": "戻る",
    "common.required": "必須",
    "common.signed_in_as": "{name} 様（{role}）",
    "common.error_title": "エラー",
    "common.to_top": "トップページへ",
    "common.to_login": "ログイン画面へ",
    "common.paren": "（{inner}）",
    "issuance.email_section": "【送付先メールアドレスの入力】",
    "issuance.password_section": "【利用開始パスワードの入力】",
    "top.branch": "支店",
    "common.yen": "{amount}円",
    "role.master": "マスターユーザ",
    "role.admin": "管理者ユーザ",
    "role.general": "一般ユーザ",
    "state.none": "未発行",
    "state.issued": "発行済（初期設定待ち）",
    "state.activated": "初期設定済（認証確認待ち）",
    "state.active": "利用中",
    "state.suspended": "利用停止中",
    "state.revoked": "失効",
    "state.expired": "期限切れ",
    "col.select": "選択",
    "col.login_id": "ログインID",
    "col.user_id": "ユーザID",
    "col.name": "利用者名",
    "col.role": "権限",
    "col.state": "ワンタイムパスワード状態",
    "col.serial": "シリアル番号",
    "col.actions": "操作",
    "col.time": "処理日時",
    "col.result": "処理結果",
    "result.ok": "正常終了",
    # ログイン
    "login.title": "ログイン",
    "login.login_id": "ログインID",
    "login.password": "ログインパスワード",
    "login.submit": "ログイン",
    "login.expired": "一定時間操作がなかったため、ログアウトしました。再度ログインしてください。",
    "login.logged_out": "ログアウトしました。",
    # ワンタイムパスワードトークン発行
    "issuance.title": "ワンタイムパスワードトークン発行",
    "issuance.lead": "ワンタイムパスワードの表示を行うスマートフォンのメールアドレスと、"
                     "トークン利用開始手続に使用するパスワードを入力し、「トークン発行」"
                     "ボタンをクリックしてください。",
    "issuance.email": "送付先メールアドレス",
    "issuance.email_help": "ワンタイムパスワードの表示を行うスマートフォンのメールアドレスを入力し"
                           "ます。",
    "issuance.activation_password": "利用開始パスワード",
    "issuance.activation_password_again": "利用開始パスワード（確認用）",
    "issuance.activation_help": "トークン利用開始手続に使用するパスワード（半角数字4～16桁）を入力"
                                "します。この後の手続で必要になりますので、"
                                "忘れないようにしてください。",
    "issuance.issue": "トークン発行",
    "issuance.skip": "トークン発行の省略",
    "issuance.skip_help": "※ 既にトークン発行がお済みの場合は「トークン発行の省略」"
                          "ボタンをクリックします。",
    "issuance.pending": "トークンは発行済みです（{state}）。"
                        "アプリの初期設定がお済みの場合は「トークン発行の省略」"
                        "をクリックしてください。",
    "issuance.embargo": "「トークンの失効」のお手続き後、"
                        "初期設定を行えるようになるのは {at} 以降です。その後にログインし、"
                        "トークン発行を行ってください。",
    "issuance.spam": "スマートフォンに迷惑メールの設定をされている場合は、「@{domain}」"
                     "のドメインを受信可能にしてください。",
    # ワンタイムパスワード認証確認
    "confirmation.title": "ワンタイムパスワード認証確認",
    "confirmation.lead": "ワンタイムパスワードアプリに表示されているワンタイムパスワードを入力し、"
                         "「認証確認」ボタンをクリックしてください。",
    "confirmation.mail_sent": "送付先メールアドレス宛にメールを送信しました。"
                              "メールに記載のサービスID、ユーザIDと利用開始パスワードを入力し、"
                              "アプリの初期設定を行ってください。",
    "confirmation.code": "ワンタイムパスワード",
    "confirmation.code_help": "半角数字8桁",
    "confirmation.submit": "認証確認",
    "confirmation.done": "ワンタイムパスワードの認証確認が完了しました。",
    # トップページ
    "top.title": "トップページ",
    "top.welcome": "{name} 様、いつもご利用いただきありがとうございます。",
    "top.contract": "ご契約先",
    "top.role": "権限",
    "top.otp": "ワンタイムパスワード",
    "top.otp_not_started": "ワンタイムパスワードの認証開始申込は未登録です。"
                           "店舗窓口でお手続きください。",
    "top.accounts": "ご利用口座",
    "top.balance": "残高",
    "suspended.ask_manager": "ワンタイムパスワードの利用が停止されています。"
                             "マスターユーザもしくは管理者ユーザに「ワンタイムパスワードの利用停止"
                             "解除」を依頼してください。",
    "suspended.ask_admin": "ワンタイムパスワードの利用が停止されています。"
                           "管理者ユーザに「ワンタイムパスワードの利用停止解除」"
                           "を依頼してください。",
    "suspended.contact_branch": "ワンタイムパスワードの利用が停止されています。"
                                "管理者ユーザが登録されていないため、"
                                "当組合窓口で利用停止解除のお申込が必要になります。"
                                "詳しくは当組合窓口までご連絡ください。",
    # 管理
    "manage.title": "業務選択",
    "manage.users": "利用者管理",
    "tasks.title": "作業内容選択",
    "tasks.release": "ワンタイムパスワードの利用停止解除",
    "tasks.revoke": "トークンの失効",
    "release.title": "ワンタイムパスワード利用停止解除一覧",
    "release.lead": "利用者一覧から対象の利用者を選択し、登録内容を確認のうえ、「確認用パスワード」"
                    "を入力し、「停止解除」ボタンをクリックしてください。",
    "release.submit": "停止解除",
    "release.none": "利用停止中の利用者はいません。",
    "release.self": "ご自身の利用停止解除はできません",
    "release.result_title": "ワンタイムパスワード利用停止解除結果",
    "release.done": "以下の利用者のワンタイムパスワードの利用停止を解除しました。",
    "revoke.title": "トークン失効",
    "revoke.lead": "利用者一覧から対象の利用者を選択し、「次へ」ボタンをクリックしてください。"
                   "次の画面で対象の利用者を確認のうえ、失効します。",
    "revoke.choose": "次へ",
    "revoke.self": "ご自身のトークンは失効できません",
    "revoke.none": "失効できるトークンをお持ちの利用者はいません。",
    "revoke.confirm_title": "トークン失効確認",
    "revoke.confirm_lead": "以下の利用者のトークンを失効します。内容をご確認のうえ、"
                           "「確認用パスワード」「ワンタイムパスワード」を入力し、"
                           "「失効」ボタンをクリックしてください。",
    "revoke.confirm_lead_password": "以下の利用者のトークンを失効します。内容をご確認のうえ、"
                                    "「確認用パスワード」を入力し、"
                                    "「失効」ボタンをクリックしてください。",
    "revoke.effect": "失効すると、{name} 様のトークンではワンタイムパスワードをご利用いただけなく"
                     "なります。{name} 様はワンタイムパスワードアプリから失効したトークンの登録を"
                     "削除し、ログインしてトークン発行と初期設定をやり直してください。",
    "revoke.reopens": "初期設定を行えるようになるのは失効の約{minutes}分後です"
                      "（{night_start}から{night_end}までに失効した場合は{night_end}以降）。"
                      "初期設定可能日時は失効後の画面に表示されます。",
    "revoke.submit": "失効",
    "revoke.phone_change": "スマートフォンの機種変更もしくはアプリ削除の際には、"
                           "事前に「トークンの失効」を行なってください。",
    "revoke.no_admin": "管理者ユーザの登録がなくマスターユーザ自身がトークンの失効を行わずに機種変"
                       "更を行った場合は、当組合窓口で「トークン失効」のお申込が必要になります。",
    "revoke.result_title": "トークン失効結果",
    "revoke.done": "以下の利用者のトークンを失効しました。",
    "revoke.next": "失効手続完了後、"
                   "対象の利用者はワンタイムパスワードアプリから失効したトークンの登録を削除してく"
                   "ださい。その後、ビジネスバンキングにログインし、トークンの発行を行い、"
                   "新たに利用するスマートフォンから初期設定を行ってください。",
    "revoke.embargo": "「トークンの失効」"
                      "のお手続き後に初期設定を行えるようになるまで約{minutes}分かかります。"
                      "約{minutes}分経過後ログインし、"
                      "ワンタイムパスワードの初期設定を行ってください。",
    "revoke.night": "※ なお前日 {night_start} から {night_end} までに失効された場合は {night_end} "
                    "以降に初期設定可能になります。",
    "revoke.available_at": "初期設定可能日時",
    # step-up
    "stepup.confirmation_password": "確認用パスワード",
    "stepup.code": "ワンタイムパスワード",
    "stepup.code_help": "ワンタイムパスワードアプリに表示されている8桁の数字",
    "op.transfer": "振込・振替（都度指定方式）",
    "op.bulk_transfer": "総合振込",
    "op.payroll_transfer": "給与・賞与振込",
    "op.approval": "承認手続",
    "op.payeasy": "税金・各種料金の払込み（ペイジー）",
    "op.token_management": "トークン管理",
    "op.user_management": "利用者管理",
    # 振込・振替
    "transfer.title": "振込・振替（都度指定方式）",
    "transfer.input": "振込先・金額の入力",
    "transfer.from": "支払口座",
    "transfer.bank_code": "金融機関コード（4桁）",
    "transfer.branch_code": "支店コード（3桁）",
    "transfer.account_type": "科目",
    "type.ordinary": "普通",
    "type.current": "当座",
    "transfer.account_number": "口座番号",
    "transfer.holder_name": "受取人名（カナ）",
    "transfer.amount": "振込金額（円）",
    "transfer.next": "次へ",
    "transfer.confirm_title": "振込内容確認",
    "transfer.confirm_lead": "内容をご確認のうえ、「確認用パスワード」「ワンタイムパスワード」"
                             "を入力し、「実行」ボタンをクリックしてください。",
    "transfer.confirm_lead_password": "内容をご確認のうえ、「確認用パスワード」を入力し、「実行」"
                                      "ボタンをクリックしてください。",
    "transfer.bank": "振込先金融機関",
    "transfer.branch": "振込先支店",
    "transfer.account": "振込先口座",
    "transfer.execute": "実行",
    "transfer.result_title": "振込結果",
    "transfer.done": "お振込を受け付けました。",
    "transfer.reference": "受付番号",
    "transfer.balance_after": "お取引後残高",
    # 店舗窓口
    "branch.login_title": "店舗窓口ログイン",
    "branch.staff_id": "職員ID",
    "branch.password": "パスワード",
    "branch.home": "ご契約先・利用者検索",
    "branch.query": "ご契約先番号・名称、ログインID、利用者名",
    "branch.search": "検索",
    "branch.contracts": "ご契約先",
    "branch.users": "利用者",
    "branch.no_results": "該当するデータはありません。",
    "branch.contract_number": "ご契約先番号",
    "branch.contract_name": "ご契約先名",
    "branch.otp": "ワンタイムパスワード",
    "branch.otp_enabled": "認証開始申込済（{at}）",
    "branch.otp_disabled": "未申込",
    "branch.enable_otp": "認証開始申込",
    "branch.reason": "理由",
    "branch.release": "利用停止解除",
    "branch.revoke": "トークン失効",
    "branch.reset": "発行リセット",
    "branch.done.enable": "認証開始申込を登録しました。",
    "branch.done.release": "{name} 様の利用停止を解除しました。",
    "branch.done.revoke": "{name} 様のトークンを失効しました（初期設定可能日時 {at}）。",
    "branch.done.reset": "{name} 様のトークン発行をリセットしました。",
    "branch.open": "詳細",
    # 開発用
    "devmail.title": "受信メール（開発用）",
    "devmail.none": "メールはまだありません。",
    "devmail.from": "差出人",
    "devmail.to": "宛先",
    "devmail.subject": "件名",
    "devmail.received": "受信日時",
}

ERRORS = {
    "login_failed": "ログインIDまたはログインパスワードが正しくありません。",
    "login_throttled": "ログインに続けて失敗したため、しばらくの間ログインできません。"
                       "時間をおいてお試しください。",
    "wrong_confirmation_password": "確認用パスワードが正しくありません。",
    "confirmation_throttled": "確認用パスワードを続けて間違えたため、"
                              "しばらくの間お取引できません。",
    "code_rejected": "ワンタイムパスワードが正しくありません。"
                     "あと{attempts_left}回間違えるとワンタイムパスワードの利用が停止されます。",
    "otp_suspended": "ワンタイムパスワードの利用が停止されています。",
    "no_active_token": "ご利用中のトークンがありません。トークン発行と認証確認を行ってください。",
    "setup_not_finished": "アプリの初期設定が完了していません。メールに記載のサービスID、"
                          "ユーザIDと利用開始パスワードで初期設定を行ってから、"
                          "ワンタイムパスワードを入力してください。",
    "nothing_to_skip": "トークンが発行されていないため、トークン発行を省略できません。",
    "activation_password_mismatch": "利用開始パスワードが一致しません。",
    "not_permitted": "この操作を行う権限がありません。",
    "self_release_not_permitted": "ご自身の利用停止解除はできません。"
                                  "管理者ユーザに依頼してください。",
    "self_release_contact_branch": "ご自身の利用停止解除はできません。"
                                   "管理者ユーザが登録されていないため、"
                                   "当組合窓口までご連絡ください。",
    "self_revocation_not_permitted": "ご自身のトークンは失効できません。"
                                     "他のマスターユーザ・管理者ユーザ、"
                                     "または当組合窓口に依頼してください。",
    "user_not_found": "対象の利用者が見つかりません。",
    "no_user_selected": "利用者一覧から対象の利用者を選択してください。",
    "contract_not_found": "ご契約先が見つかりません。",
    "otp_already_enabled": "このご契約先は認証開始申込済です。",
    "no_issuance_to_reset": "初期設定待ちのトークン発行はありません。",
    "reason_required": "理由を入力してください（500文字以内）。",
    "master_exists": "このご契約先には既にマスターユーザが登録されています。",
    "login_id_taken": "このログインIDは既に使用されています。",
    "invalid_login_id": "ログインIDの形式が正しくありません。",
    "weak_password": "パスワードは英字と数字を含む8～64文字で入力してください。",
    "invalid_bank_code": "金融機関コードは半角数字4桁で入力してください。",
    "invalid_branch_code": "支店コードは半角数字3桁で入力してください。",
    "invalid_account_number": "口座番号は数字7桁以内で入力してください。",
    "invalid_account_type": "科目を選択してください。",
    "invalid_holder_name": "受取人名はカナ・英数字で入力してください。",
    "invalid_amount": "振込金額は1円以上の整数で入力してください。",
    "amount_over_limit": "振込金額が1回あたりの限度額を超えています。",
    "unknown_bank": "入力された金融機関コードの金融機関はありません。",
    "unknown_branch": "入力された支店コードの支店はありません。",
    "account_not_found": "口座が見つかりません。",
    "same_account": "支払口座と同じ口座には振り込めません。",
    "insufficient_balance": "支払口座の残高が不足しています。",
    "transfer_expired": "このお取引は既に実行済みか、有効期限が切れています。"
                        "最初からやり直してください。",
    "unknown_staff": "職員アカウントが見つかりません。",
    # the OTP service's codes
    "invalid_email": "送付先メールアドレスの形式が正しくありません。",
    "invalid_activation_password": "利用開始パスワードは半角数字4～16桁で入力してください。",
    "invalid_code_format": "ワンタイムパスワードは数字8桁で入力してください。",
    "invalid_user_id": "ユーザIDの形式が正しくありません。",
    "invalid_operation": "この取引はワンタイムパスワードの対象ではありません。",
    "invalid_input": "入力内容に誤りがあります。",
    "token_exists": "既にトークンをご利用中です。",
    "setup_embargoed": "「トークンの失効」のお手続き後、"
                       "初期設定を行えるようになるのは {at} 以降です。",
    "token_not_suspended": "対象の利用者のワンタイムパスワードは利用停止中ではありません。",
    "token_not_found": "対象の利用者には失効できるトークンがありません。",
    "unknown_institution": "サービスが利用できません。",
    "invalid_api_key": "サービスが利用できません。",
    "invalid_setting": "設定値が正しくありません。",
    "institution_exists": "このサービスIDは既に登録されています。",
    "no_issuance": "初期設定を待っているトークン発行はありません。",
    "issuance_expired": "トークン発行の有効期限が切れました。"
                        "もう一度トークン発行を行ってください。",
    "setup_failed": "利用開始パスワードが正しくありません。",
    "setup_session_invalid": "初期設定の手続が無効です。最初からやり直してください。",
    "invalid_pskc": "トークンデータを読み込めません。",
    # the site's own
    "csrf_failed": "画面の有効期限が切れたか、不正な画面遷移です。"
                   "もう一度最初から操作してください。",
    "session_expired": "一定時間操作がなかったため、ログアウトしました。再度ログインしてください。",
    "not_found": "お探しのページは見つかりません。",
    "method_not_allowed": "この操作は受け付けられません。",
    "request_too_large": "送信された内容が大きすぎます。",
    "service_unavailable": "ただいま混み合っているため、処理できませんでした。"
                           "しばらくしてから再度お試しください。",
    "internal_error": "ただいまサービスをご利用いただけません。"
                      "しばらくしてから再度お試しください。",
    "error": "処理を完了できませんでした。",
}
