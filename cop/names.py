"""Given-name knowledge as data: nicknames, spelling and romanisation variants, common names.

The matcher must tell "Bob" for "Robert" (a close match a payer makes every day) from "Mark" for
"Mary" (another person). Guessing from edit distance cannot do that, so the relations are listed
here, and a name is only treated as a nickname or variant when a table says so.

All entries are in the matcher's normalised form: lower case ASCII, no spaces or punctuation.
"""

from __future__ import annotations

from cop.data import given_names as _eu
from cop.data import particles as _particles
from cop.normalise import fold

# Formal name -> the short forms and pet names people use for it in everyday payments.
NICKNAMES: dict[str, tuple[str, ...]] = {
    # English
    "robert": ("bob", "bobby", "rob", "robbie", "robby", "bert", "bertie"),
    "elizabeth": ("liz", "lizzie", "lizzy", "beth", "betty", "betsy", "eliza", "libby", "lisa"),
    "elisabeth": ("liz", "lisa", "liesel", "lies", "elise", "betty"),
    "william": ("bill", "billy", "will", "willy", "willie", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "james": ("jim", "jimmy", "jamie", "jimmie"),
    "john": ("jack", "johnny"),
    "jonathan": ("jon", "jonny", "johnny"),
    "michael": ("mike", "mick", "micky", "mickey", "mikey"),
    "christopher": ("chris", "kit", "topher"),
    "christine": ("chris", "chrissie", "tina"),
    "christina": ("chris", "chrissie", "tina"),
    "christian": ("chris",),
    "thomas": ("tom", "tommy"),
    "joseph": ("joe", "joey"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie", "greta", "rita"),
    "katherine": ("kate", "katie", "kathy", "cathy", "kat", "kitty", "katy"),
    "catherine": ("kate", "katie", "kathy", "cathy", "cat", "kitty", "katy"),
    "jennifer": ("jen", "jenny", "jenn", "jennie"),
    "rebecca": ("becky", "becca", "bex"),
    "alexander": ("alex", "sandy", "sasha", "sascha", "xander", "lex"),
    "alexandra": ("alex", "sasha", "lexi", "alexa", "sandra"),
    "anthony": ("tony", "ant"),
    "andrew": ("andy", "drew"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davy", "davey"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "benjamin": ("ben", "benny", "benji"),
    "matthew": ("matt", "matty"),
    "nicholas": ("nick", "nicky"),
    "patrick": ("pat", "paddy"),
    "patricia": ("pat", "patty", "tricia", "trish"),
    "peter": ("pete",),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammy"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "timothy": ("tim", "timmy"),
    "susan": ("sue", "suzy", "susie"),
    "deborah": ("deb", "debbie"),
    "victoria": ("vicky", "vikki", "tori"),
    "charles": ("charlie", "chas"),
    "charlotte": ("charlie", "lottie"),
    "henry": ("harry", "hal"),
    "harold": ("harry", "hal"),
    "frederick": ("fred", "freddie", "freddy"),
    "francis": ("frank", "fran", "frankie"),
    "frances": ("fran", "frankie"),
    "gregory": ("greg",),
    "jacob": ("jake",),
    "joshua": ("josh",),
    "lawrence": ("larry", "laurie"),
    "laurence": ("larry", "laurie"),
    "leonard": ("len", "lenny"),
    "nathaniel": ("nat", "nate"),
    "nathan": ("nate",),
    "philip": ("phil", "pip"),
    "raymond": ("ray",),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donny"),
    "gerald": ("gerry", "jerry"),
    "douglas": ("doug", "dougie"),
    "kenneth": ("ken", "kenny"),
    "stanley": ("stan",),
    "theodore": ("theo", "ted", "teddy"),
    "vincent": ("vince", "vinnie"),
    "walter": ("walt", "wally"),
    "albert": ("bert", "bertie"),
    "alfred": ("alf", "alfie"),
    "abigail": ("abby", "abbie"),
    "amanda": ("mandy",),
    "barbara": ("barb", "babs", "basia"),
    "caroline": ("carrie", "caro"),
    "cynthia": ("cindy",),
    "dorothy": ("dot", "dotty", "dolly"),
    "eleanor": ("ellie", "nell", "elle"),
    "helen": ("nell", "nellie"),
    "isabel": ("izzy", "bella", "isa"),
    "isabella": ("izzy", "bella", "isa"),
    "jacqueline": ("jackie", "jacqui"),
    "jessica": ("jess", "jessie"),
    "judith": ("judy", "jude"),
    "kimberley": ("kim",),
    "kimberly": ("kim",),
    "madeleine": ("maddy", "maddie"),
    "megan": ("meg",),
    "melissa": ("mel", "missy"),
    "michelle": ("shelley",),
    "natalie": ("nat",),
    "pamela": ("pam",),
    "penelope": ("penny",),
    "rosemary": ("rosie",),
    "sarah": ("sally",),
    "theresa": ("terry", "tess", "tessa"),
    "teresa": ("terry", "tess", "tessa"),
    "valerie": ("val",),
    "virginia": ("ginny",),
    "dominic": ("dom",),
    "zachary": ("zach", "zack"),
    "maximilian": ("max",),
    "oliver": ("ollie",),
    "benedict": ("ben",),
    "gwendolyn": ("gwen",),
    # Polish
    "katarzyna": ("kasia", "kasha"),
    "malgorzata": ("gosia", "malgosia"),
    "wojciech": ("wojtek",),
    "aleksandra": ("ola",),
    "aleksander": ("olek",),
    "tomasz": ("tomek",),
    "krzysztof": ("krzys",),
    "magdalena": ("magda",),
    "agnieszka": ("aga",),
    "jozef": ("jozek",),
    "elzbieta": ("ela",),
    "joanna": ("asia",),
    "piotr": ("piotrek",),
    "jan": ("janek",),
    # Russian and Ukrainian
    "aleksandr": ("sasha", "sanya", "shura"),
    "oleksandr": ("sasha", "oles"),
    "dmitri": ("dima",),
    "dmitry": ("dima",),
    "mikhail": ("misha",),
    "vladimir": ("vova", "volodya"),
    "volodymyr": ("volodya",),
    "ekaterina": ("katya",),
    "yekaterina": ("katya",),
    "natalia": ("natasha",),
    "natalya": ("natasha",),
    "elena": ("lena",),
    "yelena": ("lena",),
    "anastasia": ("nastya",),
    "ivan": ("vanya",),
    "nikolai": ("kolya",),
    "sergei": ("seryozha",),
    "sergey": ("seryozha",),
    "maria": ("masha",),
    "tatiana": ("tanya",),
    "tatyana": ("tanya",),
    "olga": ("olya",),
    "yevgeny": ("zhenya",),
    "evgeny": ("zhenya",),
    "pavel": ("pasha",),
    "anna": ("anya",),
    "aleksei": ("alyosha", "lyosha"),
    "alexei": ("alyosha", "lyosha"),
    "svetlana": ("sveta",),
    "lyudmila": ("lyuda", "mila"),
    # Spanish and Portuguese
    "francisco": ("paco", "pancho", "curro", "fran", "chico"),
    "jose": ("pepe",),
    "manuel": ("manolo", "manu"),
    "guadalupe": ("lupe",),
    "dolores": ("lola",),
    "concepcion": ("concha", "conchita"),
    "ignacio": ("nacho",),
    "enrique": ("kike",),
    "rosario": ("charo",),
    "mercedes": ("merche",),
    "eduardo": ("edu",),
    "roberto": ("beto",),
    "alberto": ("beto",),
    "antonio": ("toni", "tonino"),
    # Italian
    "giuseppe": ("beppe", "peppe", "pino", "peppino"),
    "giovanni": ("gianni",),
    "francesco": ("franco", "cesco", "checco"),
    "salvatore": ("toto", "turi"),
    "vincenzo": ("enzo",),
    "domenico": ("mimmo",),
    "alessandro": ("sandro", "ale"),
    "luigi": ("gino",),
    # German
    "johannes": ("hans", "jo"),
    "friedrich": ("fritz",),
    "katharina": ("kathi", "katja"),
    "margarete": ("grete", "gretchen"),
    "heinrich": ("heinz",),
    "josef": ("sepp", "seppi"),
    "andreas": ("andi",),
    # Greek
    "ioannis": ("giannis", "yiannis", "yannis"),
    "georgios": ("giorgos", "yiorgos"),
    "konstantinos": ("kostas", "costas", "dinos"),
    "dimitrios": ("dimitris", "mitsos"),
    "vasileios": ("vasilis", "vassilis"),
    "panagiotis": ("panos", "takis"),
    "evangelos": ("vangelis",),
    "athanasios": ("thanasis", "sakis"),
    "aikaterini": ("katerina",),
    "alexandros": ("alexis", "alekos"),
    "nikolaos": ("nikos",),
    "theodoros": ("thodoris",),
    "spyridon": ("spyros",),
    "charalambos": ("babis", "haris"),
    # Yoruba and Igbo
    "oluwaseun": ("seun",),
    "oluwatobi": ("tobi",),
    "oluwafemi": ("femi",),
    "olufunmilayo": ("funmi",),
    "oluwakemi": ("kemi",),
    "oluwatoyin": ("toyin",),
    "oluwaseyi": ("seyi",),
    "oluwatosin": ("tosin",),
    "oluwakayode": ("kayode",),
    "oluwole": ("wole",),
    "adebayo": ("bayo",),
    "babatunde": ("tunde",),
    "olumide": ("mide",),
    "adewale": ("wale",),
    "olusegun": ("segun",),
    "abimbola": ("bimbo",),
    "chukwuemeka": ("emeka",),
    "ikechukwu": ("ike", "iyke"),
    "chiamaka": ("amaka",),
    "ifeoma": ("ife",),
    "nnamdi": ("nnam",),
    # South Asian
    "venkatesh": ("venky",),
    "srinivasan": ("srini",),
    "srinivas": ("srini",),
    "subramanian": ("subbu", "mani"),
    "rajendra": ("raju",),
    "balasubramanian": ("bala",),
    "vijayalakshmi": ("viji",),
    # Irish
    "padraig": ("paddy",),
}

# Spellings and romanisations of one name. Members of a group are a close match, never a match:
# the payer has the right person in mind but not the bank's spelling.
VARIANT_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "mohammed muhammad mohamed mohammad muhammed mohamad mohamud muhamad mohd md mohammod "
        "mahomed mohamood",
        "ahmed ahmad",
        "hussein husain hussain husein hossein husayn",
        "hassan hasan",
        "yusuf yousef youssef yosef yousuf yousif yusef",
        "abdul abdel abdal abdoul",
        "abdullah abdallah abdulla",
        "omar umar",
        "osman usman uthman othman",
        "ibrahim ebrahim ibraheem",
        "ismail ismael esmail",
        "khalid khaled",
        "said saeed sayed sayeed",
        "rashid rasheed",
        "hamid hameed",
        "mahmoud mahmood mahmud",
        "mustafa mostafa moustafa",
        "fatima fatimah",
        "aisha ayesha aysha aishah",
        "zainab zaynab",
        "mariam maryam",
        "nour noor nur",
        "layla leila laila leyla",
        "yasmin yasmine",
        "alexander aleksandr aleksander alexandr oleksandr olexander",
        "dmitri dmitry dmitriy dmytro dmitrii",
        "tariq tarik tareq",
        "conor connor",
        "sergei sergey sergiy serhiy serhii",
        "yuri yury yuriy iurii yurii",
        "andrei andrey andriy andrii andrej",
        "aleksei alexei alexey aleksey oleksiy oleksii",
        "nikolai nikolay mykola",
        "mikhail mykhailo mikhaylo",
        "vladimir volodymyr",
        "yevgeny evgeny evgeniy yevhen",
        "natalia natalya nataliya",
        "yulia yuliya iuliia",
        "tatiana tatyana tetiana",
        "olga olha",
        "ekaterina yekaterina kateryna",
        "elena yelena olena",
        "anastasia anastasiya",
        "maria mariya",
        "pyotr petr petro",
        "lakshmi laxmi",
        "srinivas shrinivas sreenivas",
        "sri shri shree",
        "sanjay sanjai",
        "vijay vijai",
        "stephen steven stephan",
        "philip phillip",
        "geoffrey jeffrey jeffery",
        "catherine katherine kathryn katharine catharine kathrine",
        "ann anne",
        "hannah hanna",
        "sarah sara",
        "rebecca rebekah",
        "jon john",
        "nicholas nicolas nikolas nickolas",
        "isobel isabel isabelle",
        "elizabeth elisabeth",
        "teresa theresa",
        "jane jayne",
        "lindsay lindsey",
        "ashley ashleigh",
        "brian bryan",
        "alan allan allen",
        "neil neal",
        "carl karl",
        "eric erik",
        "frederick frederic fredrik",
        "matthew mathew",
        "ian iain",
        "stuart stewart",
        "graham graeme",
        "sophie sofie",
        "sophia sofia",
        "aaron aron",
        "marc mark",
        "zachary zachery",
        "jacob jakob jakub",
        "lucas lukas",
        "sean shaun shawn",
        "kristian christian",
        "kristina christina",
        "kirsten kirstin",
        "caitlin kaitlyn caitlyn",
        "giannis yiannis yannis",
        "dimitris dimitrios",
    )
)

# Common given names across the communities this service pays into. Two different names from
# this list that are a typo apart (Daniel/Daniela, Marco/Mario) are different people.
_COMMON = """
aaron abigail ada adam adrian agnes aidan ailsa aisling alan albert alex alexa alexis alfie
alice alicia alison amanda amber amelia amy ana andrea andreas andrew angela angelo ann anna
annie anthony antonia antonio april archie arthur ashley audrey austin ava barry ben bernard
beth bethany bill billy bob bonnie brad brenda brendan brian bridget bruce bryony caleb callum
cameron carla carlo carlos carmen carol carole caroline carrie cecilia charles charlie charlotte
chloe chris christina christine ciara claire clara colin connor conor craig daisy dale dana
daniel daniela danielle darren dave david dawn dean debbie declan denis dennis denise derek
diana diane dina dominic donna dora doris dylan edith edmund edward eileen elaine eleanor elena
eli elias eliza ella ellen ellie elliot eloise emil emilia emily emma eoin eric erica erin ethan
eva evan eve faye felix fiona fionn florence frances francesca francis frank freddie gabriel
gabriela gareth gary gavin gemma george georgia gerald gina glen glenn gloria gordon grace
graham grant greg hannah harriet harry harvey hayley hazel heather hector helen helena henry
holly hugh hugo ian imogen ingrid irene iris isaac isla ivan ivana ivy jack jackie jacob jade
jake james jamie jan jana jane janet jasmine jason jean jeff jenna jenny jeremy jessica jill jim
joan joanna jodie joe joel john jon jordan joseph josh joshua joy joyce judith judy julia julian
juliana julie julien june justin karen karl kate katie kay keith kelly ken kerry kevin kieran
kim kirsty kyle lara laura lauren leah lee leo leon leona lewis liam lily linda lisa lois lola
louis louisa louise lucas lucia lucy luke lydia lynn maisie marco marcus margaret maria marian
marie marina mario marion mark martha martin martina mary matthew maureen max maya megan melanie
mia michael michaela michelle mike miles millie molly mona morgan nadia nancy naomi natalie
nathan neil nell nicola nicole niamh noah noel nora norman olive oliver olivia oscar owen paige
pamela patricia patrick paul paula pauline peggy penny peter phil philip phoebe pippa rachel
ralph rebecca reece rhys richard rita robert roberta robin rodney roger ronan rory rosa rose
rosie ross ruby russell ruth ryan sally sam samantha samuel sandra sara sarah scott sean shane
sharon sheila shirley simon sonia sophie stacey stefan stefania stella stephanie stephen steve
stuart sue susan sylvia tara teresa terry tess theo thomas tina toby tom tony tracy trevor tyler
una valerie vanessa vera victor victoria vincent violet vivian wayne wendy william yvonne zach
zara zoe abdel adel ahmet aiden alessia alina alma amal amir amira anil anita anja anke anton
arjun arun asha ayse aziz bilal bogdan burak can carsten cem chen chiara chidi chinedu cristina
darius deepa deepak demet dieter dimitra elif emine emre enrico erik esra ewa eva fabio farah
farid fatma fei fernando filip florian gaurav giulia giulio hamza hana hao hari helga hui
ibrahim ines ingrid irina ivo jakub jens jia jie jin jing jonas jose juan jun kai kamal karim
karina kemal kenji khalid kiran klaus krishna lars lei lena leyla li lin ling lotte luca lucia
lukas magnus maja malik mansoor marek mariana marta mateusz mehmet mei mihai milan min ming mira
miriam mohan monika murat nadia nasser nikos nils ning nuno olga omar oskar pablo pedro piotr
priya rahul raj rajesh rami rana ravi reza rohan rosa ruslan sami samir sanjay sasha selin
sergio seun shreya sina sofia sonia sunil sunita svetlana tariq tim tobias tomas ugo ulrich uwe
vera vijay viktor wei xin yan yang yara yasmin yi ying yuki yusuf zainab zehra zeynep zhen
christophe farhana farhan helene giovanna alessandra konstantina harrison aamir adnan afzal
aftab ajay akash akbar alisha amit amitabh anjali ankit anuj arif arshad asif asim ayaan bushra
danish deepika dev dinesh faisal farooq fawad ganesh gita hamza haris harish imran irfan
jaswinder javed junaid kabir kamran karan kavita kavya khurram lalit madhu mahesh manish manoj
meera mehmood mukesh nadeem naveed neha nikhil nisha omkar pankaj pooja pradeep prakash pranav
preeti rahim rajiv rakesh ramesh rani rashmi raza riya rizwan rohit sadia saira sajid salman
sameer sana sandeep saqib shabana shahid shazia shilpa shiv shoaib simran sohail sonal suresh
tahir tanvir uzma vikram vinod waqar waseem yash zubair zahid ade adaeze amaka chiamaka chidi
chika chioma chinwe ebuka emeka funke ifeoma ike kemi kunle ngozi nkechi obinna olu seyi tobi
tolu tunde uche yemi kwame kwesi kofi ama akua abena yaw kojo esi thabo themba sipho lerato
tendai nomvula agata bartosz beata dorota grazyna halina jacek jadwiga jerzy kamil karol
krystyna lech lukasz marcin mariusz michal pawel przemyslaw radoslaw renata slawomir stanislaw
teresa wieslaw zbigniew zofia ewelina iwona kinga natalia patrycja weronika dieter gerhard
gunther hartmut heike helmut horst ingeborg jorg jurgen karin klaus manfred monika rainer sabine
sigrid ute werner wolfgang andre antoine benoit bernadette brigitte cecile celine chantal claude
didier etienne fabrice francoise gerard ghislaine guy herve isabelle jacques josephine laurent
lucien marcel martine mathieu michele nathalie odile olivier pascal pierre rene sebastien sylvie
thierry valentin yves alejandro alfonso alvaro beatriz blanca carlota consuelo diego elena
emilio esteban fernanda gonzalo guadalupe inmaculada jaime javier jorge joaquin leticia lorena
luis marcos marisol miguel montserrat nuria pilar raul rocio rodrigo sergio susana teodoro
vicente alberto angela bruno carla chiara cristiano dario davide emanuele fabrizio federica
filippo gianluca giorgio giulia lorenzo luca manuela massimo matteo maurizio nicola paolo pietro
raffaele riccardo roberta simone stefano valentina anastasios angeliki athina christos despina
eleni evangelia georgia ioanna kyriakos maria panagiota sofia stavros vasiliki alexei anatoly
boris galina gennady igor irina kirill konstantin larisa leonid lyudmila maksim nadezhda oleg
pavel roman stanislav svetlana valentina valery vasily viktor vitaly yaroslav taras bohdan
oksana halyna vitaliy ahmet ali aylin baris berk burcu cemile deniz ebru esra fatih gokhan gul
hakan huseyin kadir leyla mert murat nur ozan ozge serkan sibel tuba tugba volkan yasemin yusuf
anders annika astrid birgit bo elin erik freja gunnar hanne hans henrik ingrid jens johan karin
kjell knut lena lennart linnea mats mette nils olav ole per pia rasmus sigrid sven tove ulf
"""

# Family names that come first and are followed by a middle name such as "Van" or "Thi"
# (Vietnamese): there "Van" is not the Dutch surname particle.
FAMILY_FIRST_SURNAMES: frozenset[str] = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh trinh".split()
)



def name_keys(name: str) -> tuple[str, ...]:
    """A name as written -> its matcher forms (expanded and plain letters), one word each."""
    return tuple(dict.fromkeys("".join(form.split()) for form in fold(name)))


def _merge_eu_tables() -> tuple[list[frozenset[str]], set[tuple[str, str]], list[str]]:
    """Fold the EU tables of `cop/data/given_names.py` into the tables above."""
    for line in _eu.SHORT_FORMS.strip().splitlines():
        formal, shorts = (part.strip() for part in line.split("|"))
        nicks = {key for short in shorts.split(";") for key in name_keys(short.strip())}
        for key in name_keys(formal):
            NICKNAMES[key] = tuple(sorted(set(NICKNAMES.get(key, ())) | (nicks - {key})))
    variants = [
        frozenset(key for name in line.split() for key in name_keys(name))
        for line in _eu.VARIANTS.strip().splitlines()
    ]
    gendered: set[tuple[str, str]] = set()
    for pair in _eu.GENDERED.replace("\n", "|").split("|"):
        if not pair.strip():
            continue
        one, other = pair.split()
        for a in name_keys(one):
            for b in name_keys(other):
                gendered.update({(a, b), (b, a)})
    common = [key for name in _eu.COMMON.split() for key in name_keys(name)]
    common += [name for pair in gendered for name in pair]
    return variants, gendered, common


_EU_VARIANTS, GENDERED_PAIRS, _EU_COMMON = _merge_eu_tables()
VARIANT_GROUPS = VARIANT_GROUPS + tuple(_EU_VARIANTS)

# Words that belong to a surname ("de la Fontaine", "El-Khoury", "Abdel Aziz", "van der
# Berg"), and German noble titles, part of the surname since 1919 ("Freiherr von Stein"):
# leaving one out changes the surname less than leaving out a name.
PARTICLES: frozenset[str] = frozenset(
    "abd abdul abdel".split() + [k for w in _particles.PARTICLES.split() for k in name_keys(w)]
)
NOBLE_TITLES: frozenset[str] = frozenset(
    key for word in _particles.NOBLE_TITLES.split() for key in name_keys(word)
)

GIVEN_NAMES: frozenset[str] = frozenset(
    _COMMON.split()
    + _EU_COMMON
    + list(NICKNAMES)
    + [nick for nicks in NICKNAMES.values() for nick in nicks]
    + [name for group in VARIANT_GROUPS for name in group]
)

_NICK_TO_FORMAL: dict[str, set[str]] = {}
for _formal, _nicks in NICKNAMES.items():
    for _nick in _nicks:
        _NICK_TO_FORMAL.setdefault(_nick, set()).add(_formal)

_VARIANT_OF: dict[str, frozenset[str]] = {}
for _group in VARIANT_GROUPS:
    for _name in _group:
        _VARIANT_OF[_name] = _VARIANT_OF.get(_name, frozenset()) | _group


def _formal_forms(name: str) -> frozenset[str] | tuple[str]:
    """The formal names `name` stands for: itself and, for a variant, its other spellings."""
    return _VARIANT_OF.get(name) or (name,)


def _nickname_partners() -> dict[str, frozenset[str]]:
    """Every name -> the names `are_nicknames` relates it to, worked out once from the tables.

    Nicknames of one of its spellings; names one of whose spellings it is a nickname of; and,
    for a short form, the other short forms of the same formal name.
    """
    partners: dict[str, set[str]] = {}
    for formal, nicks in NICKNAMES.items():
        for form in _formal_forms(formal):
            for nick in nicks:
                partners.setdefault(form, set()).add(nick)
                partners.setdefault(nick, set()).add(form)
    for nicks in NICKNAMES.values():
        shared = set(nicks) - NICKNAMES.keys()
        for nick in shared:
            partners.setdefault(nick, set()).update(shared - {nick})
    return {name: frozenset(others - {name}) for name, others in partners.items()}


_NICKNAME_PARTNERS = _nickname_partners()


def are_gendered(a: str, b: str) -> bool:
    """Masculine and feminine forms of one name (Giovanni, Giovanna): two people."""
    return (a, b) in GENDERED_PAIRS


def are_variants(a: str, b: str) -> bool:
    return a != b and b in _VARIANT_OF.get(a, ())


def are_nicknames(a: str, b: str) -> bool:
    """True when one name is a listed short form of the other (or of one of its spellings).

    Two short forms of the same formal name ("rob", "bob") count too; two formal names that
    merely share a short form ("patrick", "patricia" both give "pat") do not.
    """
    return b in _NICKNAME_PARTNERS.get(a, ())


def is_given_name(name: str) -> bool:
    return name in GIVEN_NAMES
