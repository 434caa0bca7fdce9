"""The fixed wording of the report drafts, in Japanese and English, as data.

The documents go to the PPC, card companies, the public and the persons concerned, so their wording is part
of the legal work, not of the user interface: it lives here, in one place, where it can be reviewed and
corrected, and it does not depend on the state of the interface catalogues. Japanese is the language of
record; the English version is for reference.

The nine report items are 規則 Art. 8(1) items 1–9 with the titles the rules use (個人情報の保護に関する
法律施行規則第8条第1項). The notice to individuals carries items 1, 2, 4, 5 and 9 only (規則 Art. 10).
"""

from __future__ import annotations

from typing import Final

LANGS: Final = ("ja", "en")

# 規則 Art. 8(1): number → title, in order.
REPORT_ITEMS: Final[dict[str, tuple[tuple[int, str], ...]]] = {
    "ja": (
        (1, "概要"),
        (2, "漏えい等が発生し、又は発生したおそれがある個人データの項目"),
        (3, "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数"),
        (4, "原因"),
        (5, "二次被害又はそのおそれの有無及びその内容"),
        (6, "本人への対応の実施状況"),
        (7, "公表の実施状況"),
        (8, "再発防止のための措置"),
        (9, "その他参考となる事項"),
    ),
    "en": (
        (1, "Summary"),
        (2, "Items of the personal data that leaked or may have leaked"),
        (3, "Number of persons whose personal data leaked or may have leaked"),
        (4, "Cause"),
        (5, "Secondary harm, actual or possible, and what it is"),
        (6, "What has been done for the persons concerned"),
        (7, "Public announcement"),
        (8, "Measures to prevent recurrence"),
        (9, "Other relevant matters"),
    ),
}

# 規則 Art. 10: the items a notice to individuals carries.
NOTICE_ITEMS: Final = (1, 2, 4, 5, 9)

# 規則 Art. 7 items 1–4.
CATEGORIES: Final[dict[str, dict[int, str]]] = {
    "ja": {
        1: "要配慮個人情報が含まれる個人データの漏えい等（規則第7条第1号）",
        2: "不正に利用されることにより財産的被害が生じるおそれがある個人データの漏えい等（同第2号）",
        3: "不正の目的をもって行われたおそれがある個人データ等の漏えい等（同第3号）",
        4: "本人の数が1,000人を超える個人データの漏えい等（同第4号）",
    },
    "en": {
        1: "Special-care personal information is involved (Rules Art. 7(1))",
        2: "Misuse could cause property damage (Art. 7(2))",
        3: "Possibly caused by an act with an improper purpose (Art. 7(3))",
        4: "More than 1,000 persons (Art. 7(4))",
    },
}

# How the company learned of it, as a phrase that fits "learned of it through ..." (IncidentCase.detection_source).
DETECTION: Final[dict[str, dict[str, str]]] = {
    "ja": {
        "internal": "社内での検知",
        "contractor": "業務委託先からの報告",
        "card_company": "カード会社からの連絡",
        "customer": "お客様からのお問い合わせ",
        "regulator": "関係機関からの連絡",
        "other": "外部からの情報",
    },
    "en": {
        "internal": "its own detection",
        "contractor": "a report from a contractor",
        "card_company": "a card company's notice",
        "customer": "a customer's enquiry",
        "regulator": "a notice from an authority",
        "other": "information from outside",
    },
}

# The conclusions an APPI decision cites a basis for (AppiAssessment.decision["basis"] keys).
BASIS_LABELS: Final[dict[str, dict[str, str]]] = {
    "ja": {
        "categories": "該当する事態",
        "report_required": "報告の要否",
        "notify_individuals": "本人への通知の要否",
        "preliminary_due": "速報の期限",
        "final_due": "確報の期限",
        "notify_principal_due": "委託元への通知",
    },
    "en": {
        "categories": "categories",
        "report_required": "report required",
        "notify_individuals": "notice to individuals",
        "preliminary_due": "preliminary report due",
        "final_due": "final report due",
        "notify_principal_due": "notice to the client",
    },
}

JA: Final[dict[str, str]] = {
    "placeholder": "（記入してください）",
    "not_assessed": "（APPIの判定が未実施のため未算出です。事案のAPPI判定を行ってください）",
    "none": "なし",
    "yes": "要",
    "no": "不要",
    "bullet": "・",
    "range": "{start}～{end}",
    "persons": "{n}人",
    "fmt_date": "{y}年{m}月{d}日",
    "fmt_datetime": "{y}年{m}月{d}日 {H:02d}:{M:02d}",
    # PPC report
    "ppc_title_preliminary": "個人情報保護委員会への報告（速報）",
    "ppc_title_final": "個人情報保護委員会への報告（確報）",
    "ppc_subtitle": "個人データの漏えい等の報告（個人情報の保護に関する法律第26条第1項、同法施行規則第8条）",
    "ppc_note_preliminary": (
        "この文書は、Mamoriが事案の記録から作成した下書きです。「（記入してください）」の箇所を補い、内容を確認の"
        "うえ、個人情報保護委員会の報告フォームから提出してください。速報は、その時点で把握している内容を報告します。"
    ),
    "ppc_note_final": (
        "この文書は、Mamoriが事案の記録から作成した下書きです。「（記入してください）」の箇所を補い、内容を確認の"
        "うえ、個人情報保護委員会の報告フォームから提出してください。確報では全ての項目を報告します。合理的な努力を"
        "尽くしても判明しない事項は、判明次第追完してください。"
    ),
    "to": "宛先",
    "ppc_addressee": "個人情報保護委員会 御中",
    "reporter": "報告者",
    "representative": "代表者",
    "address": "所在地",
    "drafted_on": "作成日",
    "case": "事案",
    "case_ref": "{title}（事案番号 {pk}）",
    "learned_at": "覚知日時",
    "report_type": "報告の種類",
    "type_preliminary": "速報（規則第8条第1項）",
    "type_final": "確報（規則第8条第2項）",
    "preliminary_due": "速報の提出期限",
    "preliminary_due_value": "{range}（覚知後速やかに。おおむね3～5日以内）",
    "final_due": "確報の提出期限",
    "final_due_value_30": "{date}（覚知日を1日目として30日以内）",
    "final_due_value_60": "{date}（覚知日を1日目として60日以内。規則第7条第3号に該当するため）",
    "categories": "該当する事態",
    "not_required": "APPIの判定では、報告及び本人への通知は不要とされています（内容を確認してください）",
    "moved_line": "（末日の{date}は{reason}のため、翌日以降に延長）",
    "counting_line": "期間の計算: {value}",
    "assessed_at": "判定日時",
    "basis": "根拠",
    "learned_line": "覚知日時: {value}",
    "detected_line": "発覚の経緯: {value}",
    "exposure_line": "漏えい等のおそれがある期間: {value}",
    "contractor_line": "関係する委託先: {value}",
    "timeline_head": "経緯（時系列）:",
    "entries_line": "対象の個人情報（個人情報管理台帳）: {value}",
    "entry_ref": "{name}（管理番号 {ref}）",
    "special_care_line": "要配慮個人情報を含みます。",
    "card_data_line": "クレジットカード情報を含みます。",
    "persons_preliminary": "{value}（現時点の見込み。調査の結果により変わることがあります）",
    "cause_improper": (
        "不正の目的をもって行われたおそれのある行為（第三者による不正アクセス等）によるものと考えられます。"
    ),
    "harm_property": "有（おそれ）：漏えい等した情報が不正に利用され、財産的被害が生じるおそれがあります。",
    "harm_card": "クレジットカード情報の不正利用により、カード会員に財産的被害が生じるおそれがあります。",
    "notify_required_line": "本人への通知の要否: {value}（法第26条第2項、規則第10条）",
    "status_line": "実施状況: {value}",
    "hold_line": "証拠保全: 関係する証拠及びデータソースを法的保全（削除禁止）の対象としています（{value}から）。",
    "hold_released_line": "証拠保全: {value}に解除されました。",
    "contractor_notice_line": "委託先からの通知: {value}",
    "sources_line": "関係するシステム・データソース: {value}",
    "assessment_line": "APPI判定: {value}（ルール版 {version}）",
    # card company
    "card_title": "カード情報漏えいの懸念に関するご連絡",
    "card_addressee": "（カード会社名を記入してください） 御中",
    "sender": "差出人",
    "date": "日付",
    "card_intro": (
        "平素より格別のご高配を賜り、厚く御礼申し上げます。当社が運営するサービスにおいて、お客様のクレジット"
        "カード情報が漏えいした可能性があることが判明しましたので、下記のとおりご連絡いたします。"
    ),
    "card_h_learned": "覚知日時及び経緯",
    "card_learned": "当社は{date}、{source}により、本件を知りました。",
    "card_h_period": "対象期間",
    "card_h_count": "対象となる可能性のある本人の数",
    "card_h_items": "漏えいのおそれがある情報の項目",
    "card_h_status": "当社の対応状況",
    "card_hold": "関係するデータ及びログを証拠として保全し、削除しない措置をとっています。",
    "card_preservation": "業務委託先に対し、データを削除せずに保全するよう依頼しています。",
    "card_forensics": "第三者の調査機関による調査: （記入してください）",
    "card_h_requests": "ご依頼事項",
    "card_request_monitor": (
        "対象期間に当社でカード決済を行ったカードについて、不正利用のモニタリングをお願いいたします。"
    ),
    "card_request_scope": "対象カードの特定及び被害状況の把握について、ご協力をお願いいたします。",
    "card_h_contact": "当社の連絡窓口",
    "card_note": (
        "カード番号やセキュリティコードをこの連絡に記載しないでください。対象カードの一覧は、カード会社と取り決めた"
        "安全な方法で受け渡してください。"
    ),
    # public announcement
    "public_title_improper": "不正アクセスによる個人情報の漏えい（のおそれ）に関するお詫びとお知らせ",
    "public_title": "個人情報の漏えい（のおそれ）に関するお詫びとお知らせ",
    "public_intro": (
        "このたび、当社において、お客様の個人情報が漏えいした可能性があることが判明いたしました。お客様には多大な"
        "るご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。"
    ),
    "public_h_background": "経緯",
    "public_learned": "当社は{date}、{source}により、お客様の個人情報が漏えいした可能性があることを知りました。",
    "public_detail": "（経緯の詳細を記入してください。個人を特定できる情報は記載しないでください）",
    "public_h_data": "漏えいのおそれがある個人情報",
    "public_period_line": "対象期間: {value}",
    "public_items_line": "項目: {value}",
    "public_count_line": "対象となる方の数: {value}",
    "public_h_cause": "原因",
    "public_h_harm": "二次被害又はそのおそれ",
    "public_h_requests": "お客様へのお願い",
    "public_request_card": (
        "お手元のクレジットカードのご利用明細に身に覚えのない請求がないか、ご確認をお願いいたします。不審な請求が"
        "ある場合やカードの再発行をご希望の場合は、カード裏面に記載のカード会社にお問い合わせください。"
    ),
    "public_request_phishing": "当社を装った不審な電子メールや電話にご注意ください。",
    "public_h_actions": "当社の対応",
    "public_actions": "個人情報保護委員会への報告及び関係機関への連絡を行っています。",
    "public_h_prevention": "今後の対策",
    "public_h_contact": "お問い合わせ窓口",
    "public_note": (
        "公表文には、氏名、メールアドレス、会員番号など、個人を特定できる情報を記載しないでください。この下書き"
        "は、事案の記録のうち個人を特定しない項目だけから作成しています。"
    ),
    # notice to individuals
    "notice_title": "個人情報の漏えい（のおそれ）に関するお知らせとお詫び",
    "notice_addressee": "お客様各位",
    "notice_intro": (
        "このたび、当社において、お客様の個人データが漏えいした可能性があることが判明いたしました。多大なるご迷惑"
        "とご心配をおかけしますことを、深くお詫び申し上げます。個人情報の保護に関する法律に基づき、下記のとおりお"
        "知らせいたします。"
    ),
    "notice_summary": "当社は{date}、{source}により、お客様の個人データが漏えいした可能性があることを知りました。",
    "notice_period_line": "対象期間: {value}",
    "notice_contact_line": "お問い合わせ窓口: {value}",
    "notice_note": (
        "本人への通知の記載事項は、規則第10条により、概要、個人データの項目、原因、二次被害又はそのおそれの有無"
        "及びその内容、その他参考となる事項です。他の本人の情報を記載しないでください。"
    ),
}

EN: Final[dict[str, str]] = {
    "placeholder": "(to be filled in)",
    "not_assessed": "(not computed: the case has no APPI assessment yet; assess it first)",
    "none": "none",
    "yes": "required",
    "no": "not required",
    "bullet": "- ",
    "range": "{start} to {end}",
    "persons": "{n} persons",
    "fmt_date": "{y:04d}-{m:02d}-{d:02d}",
    "fmt_datetime": "{y:04d}-{m:02d}-{d:02d} {H:02d}:{M:02d}",
    "ppc_title_preliminary": "Report to the Personal Information Protection Commission (preliminary)",
    "ppc_title_final": "Report to the Personal Information Protection Commission (final)",
    "ppc_subtitle": "Report of a personal-data breach (APPI Art. 26(1); Enforcement Rules Art. 8)",
    "ppc_note_preliminary": (
        "Draft made by Mamori from the case records. Fill in the parts marked (to be filled in), check everything "
        "and file it through the PPC's online form. A preliminary report gives what is known at the time."
    ),
    "ppc_note_final": (
        "Draft made by Mamori from the case records. Fill in the parts marked (to be filled in), check everything "
        "and file it through the PPC's online form. A final report gives every item; what remains unknown after "
        "reasonable effort is added once known."
    ),
    "to": "To",
    "ppc_addressee": "Personal Information Protection Commission",
    "reporter": "Reporting business",
    "representative": "Representative",
    "address": "Address",
    "drafted_on": "Drafted on",
    "case": "Case",
    "case_ref": "{title} (case {pk})",
    "learned_at": "Learned of it at",
    "report_type": "Type of report",
    "type_preliminary": "Preliminary report (Rules Art. 8(1))",
    "type_final": "Final report (Rules Art. 8(2))",
    "preliminary_due": "Preliminary report due",
    "preliminary_due_value": "{range} (promptly after learning of it; about 3 to 5 days)",
    "final_due": "Final report due",
    "final_due_value_30": "{date} (within 30 days, the day of learning being day 1)",
    "final_due_value_60": "{date} (within 60 days, as Rules Art. 7(3) applies)",
    "categories": "Categories that apply",
    "not_required": "The APPI assessment found no report or notice required (check this)",
    "moved_line": "(the last day, {date}, is {reason}: moved on)",
    "counting_line": "Day counting: {value}",
    "assessed_at": "Assessed at",
    "basis": "Basis",
    "learned_line": "Learned of it at: {value}",
    "detected_line": "How it was found: {value}",
    "exposure_line": "Period of possible exposure: {value}",
    "contractor_line": "Contractor involved: {value}",
    "timeline_head": "Timeline:",
    "entries_line": "Personal information concerned (ledger): {value}",
    "entry_ref": "{name} (ref. {ref})",
    "special_care_line": "Includes special-care personal information.",
    "card_data_line": "Includes credit card data.",
    "persons_preliminary": "{value} (estimate at this time; may change with the investigation)",
    "cause_improper": "Believed to be an act with an improper purpose (such as unauthorised access by a third party).",
    "harm_property": "Yes (possible): the data may be misused and cause property damage.",
    "harm_card": "Misuse of the credit card data may cause card members property damage.",
    "notify_required_line": "Notice to individuals: {value} (APPI Art. 26(2); Rules Art. 10)",
    "status_line": "Status: {value}",
    "hold_line": "Evidence: the related evidence and data sources are under legal hold (no deletion) since {value}.",
    "hold_released_line": "Evidence: the legal hold was released at {value}.",
    "contractor_notice_line": "Contractor's notice to us: {value}",
    "sources_line": "Systems and data sources concerned: {value}",
    "assessment_line": "APPI assessment: {value} (rules version {version})",
    "card_title": "Notice of a possible card-data leak",
    "card_addressee": "(name of the card company)",
    "sender": "From",
    "date": "Date",
    "card_intro": (
        "We have found that credit card data of our customers may have leaked from a service we operate, and "
        "inform you as follows."
    ),
    "card_h_learned": "When and how we learned of it",
    "card_learned": "We learned of it on {date} through {source}.",
    "card_h_period": "Period concerned",
    "card_h_count": "Number of persons possibly concerned",
    "card_h_items": "Data items that may have leaked",
    "card_h_status": "What we have done",
    "card_hold": "The related data and logs are preserved as evidence and will not be deleted.",
    "card_preservation": "We asked our contractor to preserve the data and delete nothing.",
    "card_forensics": "Investigation by a third-party forensic firm: (to be filled in)",
    "card_h_requests": "What we ask of you",
    "card_request_monitor": "Please monitor for fraudulent use the cards used for payment with us in the period.",
    "card_request_scope": "Please help us identify the cards concerned and the damage.",
    "card_h_contact": "Our contact",
    "card_note": (
        "Do not put card numbers or security codes in this notice. Exchange any list of cards only in the secure "
        "way agreed with the card company."
    ),
    "public_title_improper": "Apology and notice: personal information may have leaked through unauthorised access",
    "public_title": "Apology and notice: personal information may have leaked",
    "public_intro": (
        "We have found that personal information of our customers may have leaked. We sincerely apologise for the "
        "trouble and concern this causes."
    ),
    "public_h_background": "Background",
    "public_learned": "On {date} we learned through {source} that personal information of customers may have leaked.",
    "public_detail": "(Describe what happened. Do not include anything that identifies a person.)",
    "public_h_data": "Personal information that may have leaked",
    "public_period_line": "Period: {value}",
    "public_items_line": "Items: {value}",
    "public_count_line": "Number of persons: {value}",
    "public_h_cause": "Cause",
    "public_h_harm": "Secondary harm, actual or possible",
    "public_h_requests": "What we ask of our customers",
    "public_request_card": (
        "Please check your card statements for charges you do not recognise. For suspicious charges or to have "
        "your card reissued, contact the card company named on the back of your card."
    ),
    "public_request_phishing": "Beware of suspicious e-mails or calls that pretend to come from us.",
    "public_h_actions": "What we have done",
    "public_actions": (
        "We have reported to the Personal Information Protection Commission and informed the authorities."
    ),
    "public_h_prevention": "What we will do",
    "public_h_contact": "Enquiries",
    "public_note": (
        "A public announcement must not contain names, e-mail addresses, member numbers or anything else that "
        "identifies a person. This draft is made only from the parts of the case that identify nobody."
    ),
    "notice_title": "Notice and apology: your personal data may have leaked",
    "notice_addressee": "Dear customer",
    "notice_intro": (
        "We have found that your personal data may have leaked. We sincerely apologise for the trouble and "
        "concern this causes. As the Act on the Protection of Personal Information requires, we inform you as "
        "follows."
    ),
    "notice_summary": "On {date} we learned through {source} that your personal data may have leaked.",
    "notice_period_line": "Period: {value}",
    "notice_contact_line": "Enquiries: {value}",
    "notice_note": (
        "Rules Art. 10 lists what a notice to individuals contains: summary, data items, cause, secondary harm "
        "and other relevant matters. Do not include information about other persons."
    ),
}

TEXTS: Final[dict[str, dict[str, str]]] = {"ja": JA, "en": EN}
