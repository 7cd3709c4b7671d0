"""Spelling variants, common given names, and family names that come first.

Written in the matcher's normalised form (lower-case ASCII, one word); `cop/names.py` reads
them. Members of a variant group are a close match; two different common names a typo apart
are two people.
"""

from __future__ import annotations

# Spellings and romanisations of one name. Members of a group are a close match, never a match:
# the payer has the right person in mind but not the bank's spelling.
VARIANT_GROUPS: tuple[str, ...] = (
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

# Common given names across the communities this service pays into. Two different names from
# this list that are a typo apart (Daniel/Daniela, Marco/Mario) are different people.
COMMON = """
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
FAMILY_FIRST_SURNAMES = """
nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh trinh
"""
