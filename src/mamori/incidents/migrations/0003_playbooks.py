"""The five playbooks Mamori ships (対応手順), in Japanese and English: steps become the first tasks of a case,
each due the given number of days after the company learned of the incident (the day of learning is day 0).

Written as a protection manager (個人情報保護管理者) would brief the team; editable afterwards on the playbook
pages. The report steps follow APPI Art. 26 and Rules Art. 8: preliminary report within about 3–5 days,
final report within 30 days (60 where the leak may be for an improper purpose, e.g. a card skimmed from a
web shop). Running the migration again leaves playbooks already there (and any edits) untouched.
"""

from django.db import migrations

# (key, name_ja, name_en, description_ja, description_en, steps); a step is (days, title_ja, title_en, detail_ja, detail_en)
PLAYBOOKS = [
    (
        "card-breach-web-shop",
        "ECサイトからのカード情報漏えい(の疑い)",
        "Card-data breach on a web shop (suspected)",
        "カード会社・決済代行会社から漏えいの懸念を伝えられた場合などの初動から再発防止まで。"
        "最初の一日で「止める・残す・知らせる」を終えること。証拠は委託先を含め一切削除させない。",
        "From the first call of a card company or payment provider to recurrence prevention. On the first day: "
        "stop, preserve, tell. No evidence may be deleted by anyone, contractors included.",
        [
            (
                0,
                "サイトの停止またはカード決済の停止・隔離",
                "Close the shop or isolate its card payment",
                "サイト全体を閉鎖するか、少なくともカード決済画面を停止する。サーバーの電源は切らず、ネットワークから隔離する。",
                "Close the site, or at least take card payment offline. Do not power the server off; isolate it from the network.",
            ),
            (
                0,
                "サーバーイメージ・ログの保全(委託先に削除禁止を書面で指示)",
                "Preserve server images and logs (tell the contractor in writing to delete nothing)",
                "Webサーバー・DB・WAF・決済モジュールのログとディスクイメージを保全する。委託先には証拠保全の依頼を送り、受領確認を取る。カード情報を含むデータも削除させない。",
                "Preserve logs and disk images of web server, database, WAF and payment module. Send the contractor a preservation notice and get it acknowledged. Card data must not be deleted either.",
            ),
            (
                1,
                "経営層への報告と対応体制の立上げ",
                "Report to top management and set up the response team",
                "代表者への報告、責任者・窓口・記録係を決める。",
                "Brief the representative; name the lead, the contact person and who keeps the record.",
            ),
            (
                1,
                "カード会社・アクワイアラ・決済代行会社への連絡と協議",
                "Tell the card companies, the acquirer and the payment provider",
                "不正利用のモニタリングを依頼し、調査の進め方・報告の窓口を確認する。",
                "Ask them to monitor for fraudulent use; agree on the investigation and on who reports to whom.",
            ),
            (
                2,
                "第三者フォレンジック調査の依頼",
                "Order a third-party forensic investigation",
                "カード会社が指定する調査会社(PFI等)に依頼し、保全したデータを引き渡す。",
                "Engage the investigator the card companies name (e.g. a PFI) and hand over the preserved data.",
            ),
            (
                3,
                "個人情報保護委員会への速報",
                "Preliminary report to the PPC",
                "知った日から概ね3〜5日以内。分かっている範囲で報告する。",
                "Within about 3–5 days of learning of it, with what is known so far.",
            ),
            (
                14,
                "影響範囲の特定(対象期間の決済者とカード件数)",
                "Scope the affected people (card payers in the exposure period)",
                "注文データ・決済代行会社の記録から対象者と件数を洗い出す。",
                "Rebuild the list and the count from order records and the payment provider's data.",
            ),
            (
                30,
                "本人への通知と公表の準備",
                "Prepare the notices to individuals and the public announcement",
                "通知文・公表文・想定問答を用意する。公表文には個人を特定できる情報を入れない。",
                "Draft the notices, the announcement and a Q&A. The announcement identifies nobody.",
            ),
            (
                30,
                "カード再発行・利用明細確認の案内と問い合わせ窓口の設置",
                "Advise cardholders on reissue and statement checks; open an inquiry desk",
                "カード会社と文面を調整し、専用窓口を設ける。",
                "Agree the wording with the card companies and set up a dedicated desk.",
            ),
            (
                60,
                "個人情報保護委員会への確報",
                "Final report to the PPC",
                "不正の目的によるおそれがある漏えいは知った日から60日以内(それ以外は30日以内)。",
                "Within 60 days where an improper purpose is possible (otherwise 30 days).",
            ),
            (
                90,
                "再発防止策(カード情報の非保持化・脆弱性対策・委託先管理の見直し)",
                "Recurrence prevention (no stored card data, vulnerability fixes, contractor oversight)",
                "非保持化の確認、改ざん検知、委託契約に証拠保全と事故報告の条項を入れる。",
                "Confirm no card data is kept, add tamper detection, put preservation and incident reporting into the contract.",
            ),
            (
                120,
                "サイト再開の判断",
                "Decide whether to reopen the shop",
                "調査結果とカード会社の了承を確認してから再開する。",
                "Reopen only after the investigation's findings and the card companies' agreement.",
            ),
        ],
    ),
    (
        "misdirected-email",
        "メールの誤送信",
        "Misdirected e-mail",
        "宛先誤り・BCC漏れ・添付誤りなど。まず受信者に削除を依頼する。",
        "Wrong recipient, addresses in To/Cc instead of Bcc, wrong attachment. First ask the recipients to delete it.",
        [
            (
                0,
                "受信者への削除依頼と削除の確認",
                "Ask the recipients to delete the message and confirm they did",
                "",
                "",
            ),
            (0, "送った内容・宛先・人数の確認", "Establish what was sent, to whom and about how many people", "", ""),
            (1, "個人情報保護管理者への報告", "Report to the protection manager", "", ""),
            (
                2,
                "報告・本人通知の要否の判断",
                "Decide whether a report and notices are required",
                "要配慮個人情報、財産的被害のおそれ、不正の目的、1,000人超のいずれかに当たるか。",
                "Special-care data, risk of financial harm, improper purpose, more than 1,000 people?",
            ),
            (3, "(必要な場合)個人情報保護委員会への速報", "Preliminary report to the PPC (if required)", "", ""),
            (7, "本人への通知とお詫び", "Notify and apologise to the people concerned", "", ""),
            (
                30,
                "再発防止(送信前確認・送信保留・外部宛先の警告)",
                "Prevent recurrence (checks before sending, send delay, external-address warnings)",
                "",
                "",
            ),
        ],
    ),
    (
        "lost-device",
        "PC・スマートフォン・記録媒体の紛失・盗難",
        "Lost or stolen device or storage medium",
        "端末や媒体を紛失・盗難した場合。暗号化の有無と鍵の管理で報告の要否が変わる。",
        "A lost or stolen laptop, phone or storage medium. Whether it was encrypted, and the key safe, decides whether a report is required.",
        [
            (
                0,
                "紛失の状況確認と警察への届出",
                "Establish what was lost, when and where; report it to the police",
                "",
                "",
            ),
            (
                0,
                "リモートロック・消去、アカウント停止・パスワード変更",
                "Remote lock or wipe; disable accounts and change passwords",
                "",
                "",
            ),
            (
                1,
                "端末内の個人データと暗号化の状況の確認",
                "Identify the personal data on it and whether it was encrypted",
                "高度な暗号化がされ、鍵が漏れていなければ報告不要となり得る。",
                "High-level encryption with the key kept safe may make a report unnecessary.",
            ),
            (2, "報告・本人通知の要否の判断", "Decide whether a report and notices are required", "", ""),
            (3, "(必要な場合)個人情報保護委員会への速報", "Preliminary report to the PPC (if required)", "", ""),
            (14, "本人への通知", "Notify the people concerned", "", ""),
            (
                30,
                "再発防止(端末暗号化・持出し規程・教育)",
                "Prevent recurrence (device encryption, rules for taking data out, training)",
                "",
                "",
            ),
        ],
    ),
    (
        "ransomware",
        "ランサムウェア感染",
        "Ransomware",
        "ファイルの暗号化・脅迫。不正アクセスによる漏えいは人数にかかわらず報告対象。",
        "Files encrypted and a ransom demanded. A leak by unauthorised access must be reported whatever the number of people.",
        [
            (
                0,
                "感染端末・サーバーのネットワークからの隔離(電源は切らない)",
                "Isolate infected machines from the network (do not power them off)",
                "",
                "",
            ),
            (0, "ログ・感染端末の保全", "Preserve logs and the infected systems", "", ""),
            (0, "経営層への報告と対応体制の立上げ", "Report to top management and set up the response team", "", ""),
            (1, "警察への相談", "Contact the police (cybercrime desk)", "", ""),
            (1, "フォレンジック調査の依頼", "Order a forensic investigation", "", ""),
            (3, "個人情報保護委員会への速報", "Preliminary report to the PPC", "", ""),
            (
                7,
                "バックアップからの復旧計画(身代金は支払わない)",
                "Plan the restore from backups (no ransom is paid)",
                "",
                "",
            ),
            (14, "漏えい範囲の特定", "Scope what may have leaked and whose data it was", "", ""),
            (30, "本人への通知と公表", "Notify the people concerned and announce publicly", "", ""),
            (60, "個人情報保護委員会への確報", "Final report to the PPC", "", ""),
            (
                90,
                "再発防止(VPN機器の更新・多要素認証・オフラインバックアップ)",
                "Prevent recurrence (patch VPN devices, multi-factor sign-in, offline backups)",
                "",
                "",
            ),
        ],
    ),
    (
        "insider",
        "従業者・委託先による持出し・不正利用",
        "Insider: data taken or misused by staff or a contractor",
        "従業者や委託先の担当者による不正な持出し・閲覧・利用。",
        "Personal data taken, viewed or used without authority by an employee or a contractor's staff.",
        [
            (0, "当該者のアクセス権の停止", "Suspend the person's access", "", ""),
            (0, "アクセスログ・端末の保全", "Preserve access logs and the devices used", "", ""),
            (1, "経営層・人事・法務への報告", "Report to top management, HR and legal", "", ""),
            (3, "持出し・閲覧の範囲の調査", "Investigate what was taken or viewed", "", ""),
            (
                3,
                "個人情報保護委員会への速報",
                "Preliminary report to the PPC",
                "不正の目的による漏えいのおそれは人数にかかわらず報告対象。",
                "A possible leak for an improper purpose is reported whatever the number of people.",
            ),
            (7, "警察への相談・法的措置の検討", "Consider the police and legal action", "", ""),
            (30, "本人への通知と公表", "Notify the people concerned and announce publicly", "", ""),
            (60, "個人情報保護委員会への確報", "Final report to the PPC", "", ""),
            (
                90,
                "再発防止(権限の最小化・ログ監視・教育・委託先監督)",
                "Prevent recurrence (least privilege, log monitoring, training, contractor oversight)",
                "",
                "",
            ),
        ],
    ),
]


def load_playbooks(apps, schema_editor):
    Playbook = apps.get_model("incidents", "Playbook")
    Step = apps.get_model("incidents", "PlaybookStep")
    for key, name_ja, name_en, description_ja, description_en, steps in PLAYBOOKS:
        if Playbook.objects.filter(key=key).exists():
            continue
        playbook = Playbook.objects.create(
            key=key, name_ja=name_ja, name_en=name_en, description_ja=description_ja, description_en=description_en
        )
        for order, (days, title_ja, title_en, detail_ja, detail_en) in enumerate(steps, start=1):
            Step.objects.create(
                playbook=playbook,
                order=order,
                title_ja=title_ja,
                title_en=title_en,
                description_ja=detail_ja,
                description_en=detail_en,
                due_days=days,
            )


def unload_playbooks(apps, schema_editor):
    Playbook = apps.get_model("incidents", "Playbook")
    Playbook.objects.filter(key__in=[p[0] for p in PLAYBOOKS]).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_breach_response")]

    operations = [migrations.RunPython(load_playbooks, unload_playbooks)]
