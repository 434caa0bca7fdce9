"""Word lists that tell a person's name from the other things a `name` field holds.

A column or key called `name` holds countries, prefectures, products, categories and code identifiers far
more often than people. A value under such a generic key counts as a name only when it looks like one: a
common Japanese family name (kanji, katakana or romanised), the 姓 名 shape with a space, or a common Western
given or family name. Under keys that say "person" (`name01`, `first_name`, 氏名 ...) any name-shaped value
counts, but labels (`姓`, `Last Name`), code words (`String`, `self`) and placeholders (`John Doe`) do not.

The family names are the most common ones in Japan (about 200, in the order of the usual frequency rankings
— public knowledge, written out here); the Western names are common English and European given and family
names. They decide only the *generic* `name` case, so a rarer name under `name01` is still found.
"""

from __future__ import annotations

# Common Japanese family names: kanji, katakana reading, Hepburn romanisation.
_JP_FAMILY = """
佐藤 サトウ sato;鈴木 スズキ suzuki;高橋 タカハシ takahashi;田中 タナカ tanaka;伊藤 イトウ ito;
渡辺 ワタナベ watanabe;渡邊 ワタナベ watanabe;山本 ヤマモト yamamoto;中村 ナカムラ nakamura;小林 コバヤシ kobayashi;
加藤 カトウ kato;吉田 ヨシダ yoshida;山田 ヤマダ yamada;佐々木 ササキ sasaki;山口 ヤマグチ yamaguchi;
松本 マツモト matsumoto;井上 イノウエ inoue;木村 キムラ kimura;林 ハヤシ hayashi;斎藤 サイトウ saito;
斉藤 サイトウ saito;清水 シミズ shimizu;山崎 ヤマザキ yamazaki;森 モリ mori;池田 イケダ ikeda;
橋本 ハシモト hashimoto;阿部 アベ abe;石川 イシカワ ishikawa;山下 ヤマシタ yamashita;中島 ナカジマ nakajima;
石井 イシイ ishii;小川 オガワ ogawa;前田 マエダ maeda;岡田 オカダ okada;長谷川 ハセガワ hasegawa;
藤田 フジタ fujita;後藤 ゴトウ goto;近藤 コンドウ kondo;村上 ムラカミ murakami;遠藤 エンドウ endo;
青木 アオキ aoki;坂本 サカモト sakamoto;福田 フクダ fukuda;太田 オオタ ota;西村 ニシムラ nishimura;
藤井 フジイ fujii;金子 カネコ kaneko;岡本 オカモト okamoto;藤原 フジワラ fujiwara;中野 ナカノ nakano;
三浦 ミウラ miura;原田 ハラダ harada;中川 ナカガワ nakagawa;松田 マツダ matsuda;竹内 タケウチ takeuchi;
小野 オノ ono;田村 タムラ tamura;中山 ナカヤマ nakayama;和田 ワダ wada;石田 イシダ ishida;
森田 モリタ morita;上田 ウエダ ueda;原 ハラ hara;内田 ウチダ uchida;柴田 シバタ shibata;
酒井 サカイ sakai;宮崎 ミヤザキ miyazaki;横山 ヨコヤマ yokoyama;高木 タカギ takagi;安藤 アンドウ ando;
宮本 ミヤモト miyamoto;大野 オオノ ono;小島 コジマ kojima;谷口 タニグチ taniguchi;今井 イマイ imai;
工藤 クドウ kudo;高田 タカダ takada;増田 マスダ masuda;丸山 マルヤマ maruyama;杉山 スギヤマ sugiyama;
村田 ムラタ murata;大塚 オオツカ otsuka;新井 アライ arai;小山 コヤマ koyama;平野 ヒラノ hirano;
藤本 フジモト fujimoto;河野 コウノ kono;上野 ウエノ ueno;野口 ノグチ noguchi;武田 タケダ takeda;
松井 マツイ matsui;千葉 チバ chiba;岩崎 イワサキ iwasaki;菅原 スガワラ sugawara;木下 キノシタ kinoshita;
久保 クボ kubo;佐野 サノ sano;野村 ノムラ nomura;松尾 マツオ matsuo;市川 イチカワ ichikawa;
菊地 キクチ kikuchi;杉本 スギモト sugimoto;古川 フルカワ furukawa;大西 オオニシ onishi;島田 シマダ shimada;
水野 ミズノ mizuno;桜井 サクライ sakurai;高野 タカノ takano;渡部 ワタナベ watanabe;吉川 ヨシカワ yoshikawa;
山内 ヤマウチ yamauchi;西田 ニシダ nishida;飯田 イイダ iida;菊池 キクチ kikuchi;西川 ニシカワ nishikawa;
小松 コマツ komatsu;北村 キタムラ kitamura;安田 ヤスダ yasuda;五十嵐 イガラシ igarashi;川口 カワグチ kawaguchi;
平田 ヒラタ hirata;関 セキ seki;中田 ナカタ nakata;久保田 クボタ kubota;服部 ハットリ hattori;
東 ヒガシ higashi;岩田 イワタ iwata;土屋 ツチヤ tsuchiya;川崎 カワサキ kawasaki;福島 フクシマ fukushima;
本田 ホンダ honda;辻 ツジ tsuji;樋口 ヒグチ higuchi;秋山 アキヤマ akiyama;田口 タグチ taguchi;
永井 ナガイ nagai;山中 ヤマナカ yamanaka;中西 ナカニシ nakanishi;吉村 ヨシムラ yoshimura;川上 カワカミ kawakami;
石原 イシハラ ishihara;大橋 オオハシ ohashi;松岡 マツオカ matsuoka;馬場 ババ baba;浅野 アサノ asano;
荒木 アラキ araki;大久保 オオクボ okubo;野田 ノダ noda;小池 コイケ koike;松下 マツシタ matsushita;
川村 カワムラ kawamura;菅野 カンノ kanno;熊谷 クマガイ kumagai;大石 オオイシ oishi;望月 モチヅキ mochizuki;
今村 イマムラ imamura;星野 ホシノ hoshino;内藤 ナイトウ naito;堀 ホリ hori;松村 マツムラ matsumura;
早川 ハヤカワ hayakawa;田辺 タナベ tanabe;片山 カタヤマ katayama;大川 オオカワ okawa;岡崎 オカザキ okazaki;
桑原 クワバラ kuwabara;小西 コニシ konishi;黒田 クロダ kuroda;山根 ヤマネ yamane;宮田 ミヤタ miyata;
吉岡 ヨシオカ yoshioka;中井 ナカイ nakai;森本 モリモト morimoto;宮下 ミヤシタ miyashita;西山 ニシヤマ nishiyama;
上原 ウエハラ uehara;小泉 コイズミ koizumi;岡 オカ oka;吉野 ヨシノ yoshino;尾崎 オザキ ozaki;
三宅 ミヤケ miyake;松浦 マツウラ matsuura;松原 マツバラ matsubara;南 ミナミ minami;新田 ニッタ nitta;
今田 イマダ imada;奥村 オクムラ okumura;富田 トミタ tomita;堀内 ホリウチ horiuchi;篠原 シノハラ shinohara;
榎本 エノモト enomoto;比嘉 ヒガ higa;金城 キンジョウ kinjo;大城 オオシロ oshiro;宮城 ミヤギ miyagi;
石山 イシヤマ ishiyama;北川 キタガワ kitagawa
"""

JP_FAMILY_KANJI: frozenset[str] = frozenset(row.split()[0] for row in _JP_FAMILY.split(";") if row.strip())
JP_FAMILY_KANA: frozenset[str] = frozenset(row.split()[1] for row in _JP_FAMILY.split(";") if row.strip())
JP_FAMILY_ROMAN: frozenset[str] = frozenset(row.split()[2] for row in _JP_FAMILY.split(";") if row.strip()) | {
    "satou",
    "itou",
    "katou",
    "saitou",
    "gotou",
    "kondou",
    "endou",
    "oota",
    "ohta",
    "ohno",
    "oono",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common given names written in Latin letters: English/European and romanised Japanese.
WESTERN_GIVEN: frozenset[str] = _words(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
    donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob
    gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick
    raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle walter ethan jeremy
    harold keith christian roger noah gerald carl terry sean austin arthur lawrence jesse dylan bryan joe jordan
    billy bruce albert willie gabriel logan alan juan wayne roy ralph randy eugene vincent russell elijah louis
    bobby philip johnny mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty
    margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca
    sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela nicole emma samantha katherine
    christine debra rachel catherine carolyn janet ruth maria heather diane virginia julie joyce victoria olivia
    kelly christina lauren joan evelyn judith megan cheryl andrea hannah martha jacqueline frances gloria ann
    teresa kathryn sara janice jean alice madison doris abigail julia judy grace denise amber marilyn beverly
    danielle theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla jane hans klaus jan
    piotr andrzej krzysztof tomasz pierre jean jacques marie sophie luca marco giuseppe francesco carlos miguel
    luis javier pablo sergio ivan olga natalia anna eva lena jens lars erik sven taro jiro hanako ichiro kenji
    hiroshi takashi satoshi yuki yuko akira makoto kazuo hiroko keiko yoko naoko tomoko akiko shota daisuke takuya
    naoki kenta yuta sho ken aya ai yumi misaki hina haruto sota yui rin
    """
)

WESTERN_FAMILY: frozenset[str] = _words(
    """
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson
    anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis
    robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera
    campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart
    morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard kim cox ward
    richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders
    patel myers long ross foster jimenez muller mueller schmidt schneider fischer weber meyer wagner becker schulz
    hoffmann nowak kowalski wisniewski dubois durand bernard moreau rossi russo ferrari
    """
)

# A value that is exactly one of these is a label, a placeholder or a code word, never somebody's name.
NOT_A_NAME: frozenset[str] = frozenset(
    {
        # labels of name fields, as forms and translation files write them
        "姓",
        "名",
        "氏",
        "氏名",
        "名前",
        "お名前",
        "姓名",
        "名字",
        "苗字",
        "フリガナ",
        "ふりがな",
        "カナ",
        "セイ",
        "メイ",
        "せい",
        "めい",
        "氏名カナ",
        "姓カナ",
        "名カナ",
        "ご担当者",
        "担当者",
        "お客様",
        "会員",
        "name",
        "names",
        "first name",
        "last name",
        "full name",
        "given name",
        "family name",
        "middle name",
        "surname",
        "firstname",
        "lastname",
        "fullname",
        "your name",
        "customer name",
        "user name",
        "username",
        "company name",
        "company",
        # "first name", "last name", "card holder" in the languages translation catalogues of shops carry
        "nom",
        "prénom",
        "prenom",
        "nom de famille",
        "vorname",
        "nachname",
        "familienname",
        "nombre",
        "apellido",
        "apellidos",
        "nome",
        "cognome",
        "sobrenome",
        "apelido",
        "voornaam",
        "achternaam",
        "fornavn",
        "efternavn",
        "etternavn",
        "förnamn",
        "efternamn",
        "etunimi",
        "sukunimi",
        "imię",
        "imie",
        "nazwisko",
        "jméno",
        "příjmení",
        "meno",
        "priezvisko",
        "ime",
        "prezime",
        "priimek",
        "prenume",
        "nume",
        "vezetéknév",
        "keresztnév",
        "soyadı",
        "soyad",
        "adı",
        "ad",
        "emri",
        "mbiemri",
        "vardas",
        "pavardė",
        "vārds",
        "uzvārds",
        "eesnimi",
        "perekonnanimi",
        "ten",
        "họ",
        "nama",
        "titular",
        "inhaber",
        "karteninhaber",
        "titulaire",
        "kaarthouder",
        # placeholders and test people
        "john doe",
        "jane doe",
        "doe",
        "foo",
        "bar",
        "ほげ",
        "ホゲ",
        "ふが",
        "フガ",
        "ぴよ",
        "ピヨ",
        "shipping",
        "billing",
        "delivery",
        "new name",
        "newname",
        "updated",
        "changed",
        "baz",
        "qux",
        "foo bar",
        "hoge",
        "fuga",
        "piyo",
        "test",
        "tester",
        "test user",
        "testuser",
        "user",
        "admin",
        "administrator",
        "example",
        "sample",
        "dummy",
        "anonymous",
        "guest",
        "customer",
        "nobody",
        "someone",
        "lorem",
        "lorem ipsum",
        "テスト",
        "てすと",
        "サンプル",
        "ダミー",
        "名無し",
        "ななし",
        # code words a key-value pattern picks up in source code
        "string",
        "str",
        "text",
        "varchar",
        "char",
        "int",
        "integer",
        "bool",
        "boolean",
        "void",
        "null",
        "none",
        "nil",
        "undefined",
        "true",
        "false",
        "self",
        "this",
        "type",
        "value",
        "values",
        "key",
        "field",
        "label",
        "placeholder",
        "default",
        "required",
        "optional",
        "nullable",
        "in",
        "is",
        "not",
        "and",
        "or",
        "for",
        "if",
        "else",
        "return",
        "new",
        "function",
        "asc",
        "desc",
        "id",
        "the",
        "a",
        "an",
        "of",
        "to",
        "as",
    }
)

# Places that are also given names, or that a name column of master data holds (countries, regions).
NOT_A_NAME_PLACES: frozenset[str] = frozenset(
    {
        "jordan",
        "chad",
        "georgia",
        "india",
        "israel",
        "kenya",
        "victoria",
        "florence",
        "paris",
        "sydney",
        "charlotte",
        "austin",
        "japan",
        "china",
        "america",
        "france",
        "germany",
    }
)

# Words in a key that make `..._name` something other than a person's name (`class_name2`, `product_name`,
# `external_shipping_name`), both in structured keys and in keys found in text.
NOT_PERSON_KEY_WORDS: frozenset[str] = frozenset(
    {
        "class",
        "product",
        "category",
        "item",
        "file",
        "shop",
        "company",
        "site",
        "page",
        "method",
        "plugin",
        "template",
        "table",
        "column",
        "field",
        "tag",
        "brand",
        "maker",
        "store",
        "host",
        "domain",
        "bundle",
        "route",
        "event",
        "job",
        "queue",
        "service",
        "channel",
        "carrier",
        "provider",
        "external",
        "country",
        "pref",
        "city",
        "region",
        "zone",
        "locale",
        "currency",
        "attribute",
        "option",
        "variant",
        "sheet",
        "output",
        "input",
        "label",
        "display",
        "block",
        "layout",
        "theme",
        "module",
        "package",
        "type",
        "bank",
        "branch",
        "warehouse",
        "app",
    }
)
