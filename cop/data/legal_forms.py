"""Legal forms of companies and other bodies in the EU and EEA (and the UK, Ireland, the US).

One row per form: its canonical id, then every way it is written, abbreviated or in full and
in each official language of the country that uses it. Spellings are written as on a register
extract; `cop/legal_forms.py` folds them (case, accents, dots, spaces) into lookup keys. Two
rows that are the same form under another language's name share one id (Belgium's BV/SRL,
NV/SA; Finland's Oy/Ab; Ireland's Ltd/Teoranta), so that a payer who writes the other
language's name is matched. Forms of different kinds keep different ids: "X GmbH" for "X AG"
is a close match, never a match.
"""

from __future__ import annotations

# id | spellings separated by ";" (an id may take several lines)
FORMS = """
ltd | Ltd; Limited; Teoranta; Teo; Private Limited Company
plc | PLC; Public Limited Company; cuideachta phoiblí theoranta; cpt; Public Company Limited
llp | LLP; Limited Liability Partnership
lp | LP; Limited Partnership
cic | CIC; Community Interest Company
cio | CIO; Charitable Incorporated Organisation
dac | DAC; Designated Activity Company; CGA; cuideachta ghníomhaíochta ainmnithe
clg | CLG; Company Limited by Guarantee; CTR; cuideachta faoi theorainn ráthaíochta
uc | UC; Unlimited Company; CNT; cuideachta neamhtheoranta
llc | LLC; Limited Liability Company
inc | Inc; Incorporated
corp | Corp; Corporation
gmbh | GmbH; Gesellschaft mit beschränkter Haftung; Ges.m.b.H.; GesmbH; Ges mbH
ag | AG; Aktiengesellschaft
kg | KG; Kommanditgesellschaft
kgaa | KGaA; Kommanditgesellschaft auf Aktien
ohg | OHG; offene Handelsgesellschaft
og | OG; offene Gesellschaft
ug | UG; UG (haftungsbeschränkt); Unternehmergesellschaft
ug | Unternehmergesellschaft (haftungsbeschränkt)
ek | e.K.; e.Kfm.; e.Kfr.; eingetragener Kaufmann; eingetragene Kauffrau
eu | e.U.; eingetragenes Unternehmen
gbr | GbR; Gesellschaft bürgerlichen Rechts
ev | e.V.; eingetragener Verein
eg | eG; eingetragene Genossenschaft
partg | PartG; Partnerschaftsgesellschaft
partgmbb | PartG mbB; PartGmbB; Partnerschaftsgesellschaft mbB
partgmbb | Partnerschaftsgesellschaft mit beschränkter Berufshaftung
flexco | FlexCo; FlexKapG; Flexible Kapitalgesellschaft
anstalt | Anstalt
stiftung | Stiftung
se | SE; Societas Europaea; Europäische Gesellschaft; société européenne
sarls | SARL-S; SARL simplifiée; société à responsabilité limitée simplifiée
sas | SAS; société par actions simplifiée; S.a.s.; società in accomandita semplice
sasu | SASU; société par actions simplifiée unipersonnelle
sa | SA; S.A.; société anonyme; sociedad anónima; sociedade anónima; sociedade anônima
sa | spółka akcyjna; societate pe acțiuni; NV; naamloze vennootschap
eurl | EURL; entreprise unipersonnelle à responsabilité limitée
snc | SNC; société en nom collectif; S.n.c.; società in nome collettivo; societate în nume colectiv
snc | VOF; vennootschap onder firma
sci | SCI; société civile immobilière
scs | SCS; société en commandite simple; CommV; gewone commanditaire vennootschap
sca | SCA; société en commandite par actions; S.a.p.a.; società in accomandita per azioni; Comm.VA
scop | SCOP; société coopérative de production; société coopérative et participative
ei | EI; entreprise individuelle
eirl | EIRL; entreprise individuelle à responsabilité limitée
selarl | SELARL; société d'exercice libéral à responsabilité limitée
gie | GIE; groupement d'intérêt économique
asbl | ASBL; association sans but lucratif; VZW; vereniging zonder winstoogmerk
sc | SC; société coopérative; coöperatieve vennootschap; Soc. Coop.; società cooperativa
sl | SL; S.L.; sociedad limitada; sociedad de responsabilidad limitada
slu | SLU; S.L.U.; sociedad limitada unipersonal
sau | SAU; S.A.U.; sociedad anónima unipersonal
sll | SLL; sociedad limitada laboral
slne | SLNE; sociedad limitada nueva empresa
scoop | S.Coop.; sociedad cooperativa
lda | Lda; Ltda; Limitada; sociedade por quotas
unipessoal | Unipessoal Lda; Unipessoal Limitada; sociedade unipessoal por quotas
srl | SARL; S.à r.l.; Sàrl; société à responsabilité limitée; S.r.l.
srl | società a responsabilità limitata; societate cu răspundere limitată; BV; besloten vennootschap
srl | BVBA; SPRL; besloten vennootschap met beperkte aansprakelijkheid
srl | société privée à responsabilité limitée
srls | S.r.l.s.; società a responsabilità limitata semplificata
spa | S.p.A.; società per azioni
pfa | PFA; persoană fizică autorizată
stichting | Stichting
vereniging | Vereniging
cooperatie | Coöperatie; Coöperatie U.A.
spzoo | sp. z o.o.; spółka z ograniczoną odpowiedzialnością; spółka z o.o.
spj | sp.j.; spółka jawna
spk | sp.k.; spółka komandytowa
spp | sp.p.; spółka partnerska
ska | S.K.A.; spółka komandytowo-akcyjna
psa | P.S.A.; prosta spółka akcyjna
sro | s.r.o.; spol. s r.o.; společnost s ručením omezeným; spoločnosť s ručením obmedzeným
vos | v.o.s.; veřejná obchodní společnost; verejná obchodná spoločnosť
ks | k.s.; komanditní společnost; komanditná spoločnosť
kft | Kft.; korlátolt felelősségű társaság
zrt | Zrt.; zártkörűen működő részvénytársaság
nyrt | Nyrt.; nyilvánosan működő részvénytársaság
bt | Bt.; betéti társaság
kkt | Kkt.; közkereseti társaság
doo | d.o.o.; društvo s ograničenom odgovornošću; družba z omejeno odgovornostjo
doo | društvo sa ograničenom odgovornošću
jdoo | j.d.o.o.; jednostavno društvo s ograničenom odgovornošću
dd | d.d.; dioničko društvo; delniška družba
jtd | j.t.d.; javno trgovačko društvo
dno | d.n.o.; družba z neomejeno odgovornostjo
sp_si | s.p.; samostojni podjetnik
ood | OOD; дружество с ограничена отговорност; ООД
eood | EOOD; еднолично дружество с ограничена отговорност; ЕООД
ad | AD; акционерно дружество; АД
ead | EAD; еднолично акционерно дружество; ЕАД
et | ET; едноличен търговец; ЕТ
ab | AB; Aktiebolag; Ab; akcinė bendrovė; Oy; Osakeyhtiö
abp | Abp; Oyj; julkinen osakeyhtiö
hb | HB; Handelsbolag
kb | KB; Kommanditbolag; Ky; Kommandiittiyhtiö
ay | Ay; avoin yhtiö
tmi | Tmi; toiminimi
as | AS; A/S; Aksjeselskap; Aktieselskab; aktsiaselts; akciju sabiedrība; anonim şirketi
as | a.s.; akciová společnost; akciová spoločnosť
asa | ASA; allmennaksjeselskap
aps | ApS; Anpartsselskab
is | I/S; Interessentskab
ps | P/S; Partnerselskab
ivs | IVS; iværksætterselskab
ans | ANS; ansvarlig selskap
da | DA; selskap med delt ansvar
enk | ENK; enkeltpersonforetak
nuf | NUF; norskregistrert utenlandsk foretak
ehf | ehf.; einkahlutafélag
hf | hf.; hlutafélag
slf | slf.; samlagsfélag
ou | OÜ; osaühing
tu | TÜ; täisühing
uu | UÜ; usaldusühing
fie | FIE; füüsilisest isikust ettevõtja
sia | SIA; sabiedrība ar ierobežotu atbildību
ik | IK; individuālais komersants
uab | UAB; uždaroji akcinė bendrovė
mb | MB; mažoji bendrija
ii | IĮ; individuali įmonė
ae | AE; A.E.; Ανώνυμη Εταιρεία; Anonymi Etaireia; Anonimi Etairia
epe | EPE; Ε.Π.Ε.; Εταιρεία Περιορισμένης Ευθύνης; Etaireia Periorismenis Efthynis
ike | IKE; Ι.Κ.Ε.; Ιδιωτική Κεφαλαιουχική Εταιρεία; Idiotiki Kefalaiouchiki Etaireia
oe | OE; Ο.Ε.; Ομόρρυθμη Εταιρεία
ee | EE; Ε.Ε.; Ετερόρρυθμη Εταιρεία
ltdsti | Ltd. Şti.; limited şirketi
ooo | OOO; ООО; общество с ограниченной ответственностью
oao | OAO; ОАО
zao | ZAO; ЗАО
pao | PAO; ПАО
ao | AO; АО
tov | TOV; ТОВ; товариство з обмеженою відповідальністю
pp | PP; ПП
"""

# Forms customarily written before the name in their country ("SIA Latvijas Koks", "UAB
# Vilniaus Duona", "SARL Boulangerie Martin", "OÜ Tallinna Puit", "ЕТ Иван Петров").
PREFIX_FORMS = """
srl sas sasu sa eurl sci snc ei selarl gie scop asbl sia as ik uab ab mb ii ou fie ood eood ad
ead et ooo oao zao pao ao tov pp stichting vereniging cooperatie stiftung anstalt pfa
"""

# Words written before a Romanian company's name and its form ("SC Agromec SRL": societate
# comercială): dropped when the name also carries a form at its end.
DESCRIPTOR_PREFIXES = "sc"

# Forms of a company whose partner is itself a company: the partner's form, optionally
# "& Co.", then the partnership's form ("GmbH & Co. KG", "sp. z o.o. sp.k.", "AG & Co. KGaA").
PARTNERSHIP_FORMS = "kg kgaa ohg og spk ska scs sca ks kb"
COMPANY_LINKS = ("and co", "co", "und co", "u co", "and compagnie", "and cie")
