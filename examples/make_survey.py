"""Generate the synthetic ketamine survey used as qualcode's running example.

The survey is SYNTHETIC: every answer is composed here from phrase templates and fragments
written for this project. It mirrors the *shape* of the Exeter/UCL 2025 survey of 274 people
with self-identified ketamine addiction (bladder problems in about 60%, cravings, low mood,
anxiety, "K cramps"; over a third never sought treatment; about a third of the treated
satisfied; awareness gaps and stigma), but contains no real respondent's words.

Deterministic: one ``random.Random(2025)`` drives everything, so the output is byte-identical
on every run. Standard library only.

    python examples/make_survey.py                      # writes examples/ketamine_survey.csv
    python examples/make_survey.py -o other.csv
    python examples/make_survey.py --truth truth.csv    # also the intended codes per answer

The optional truth file lists, per respondent and question, the codes the generator *meant*
to express (from the fragments it used). It is a generator's intention, not a human coding:
misspelt or oblique fragments are in it even where a careful codebook may miss them.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

SEED = 2025
N_RESPONDENTS = 274

QUESTIONS = {
    "q1_harms": "What effects has ketamine had on your physical or mental health?",
    "q2_treatment": "Tell us about any treatment or support you have looked for.",
    "q3_awareness": "What do you wish other people knew about ketamine?",
}

REGIONS = [("Europe", 62), ("North America", 21), ("Australia", 17)]
AGE_BANDS = [("18-24", 22), ("25-34", 44), ("35-44", 23), ("45+", 11)]

# --------------------------------------------------------------------------------------
# Slot fillers
# --------------------------------------------------------------------------------------
KET = ["ketamine", "ketamine", "ketamine", "ket", "ket", "K", "k", "keta", "special k", "kitty"]
DUR = [
    "2 years", "three years", "about 18 months", "6 yrs", "nearly a decade", "four years",
    "5 years", "most of my twenties", "about a year", "7 years", "ten years", "a couple of years",
    "3 yrs", "eighteen months",
]  # fmt: skip
CLEAN = [
    "8 months", "a year", "two years", "6 weeks", "3 months", "nearly 2 years", "14 months",
    "90 days", "five months",
]  # fmt: skip
AMOUNT = [
    "3 grams a day", "2g a day", "a gram a day", "5g a night", "an eighth a day",
    "half an ounce a week", "7 grams a day", "4g a day", "two grams a night",
]  # fmt: skip
SERVICE = {
    "Europe": [
        "my GP", "the drug and alcohol service", "the local addiction team",
        "the NHS urology clinic",
        "the community drug team", "a private rehab", "the detox unit", "talking therapies",
        "the harm reduction service", "a peer support group", "my counsellor",
    ],
    "North America": [
        "my primary care doctor", "an outpatient program", "a residential rehab", "my therapist",
        "the urologist", "an IOP", "a detox center", "SMART Recovery", "a peer support group",
        "the addiction medicine clinic",
    ],
    "Australia": [
        "my GP", "the AOD service", "a residential rehab", "my psychologist", "the urology clinic",
        "a detox unit", "the local AOD counsellor", "a peer support group", "the hospital team",
    ],
}  # fmt: skip
ER = {"Europe": "A&E", "North America": "the ER", "Australia": "emergency"}
EMOJI = ["😞", "💊", "🙏", "😔", "😢", "🤷", "❤️", "😩", "🙃", "😬"]


# --------------------------------------------------------------------------------------
# Fragment pools. Each pool's fragments express its code; {k}, {dur}, {clean}, {amount},
# {service} and {er} are filled per respondent, and [a|b] picks one of the alternatives.
# Pools starting with "neg_" are negated or
# off-topic mentions that a codebook must NOT code; "life" and "filler" are code-neutral.
# --------------------------------------------------------------------------------------
POOLS: dict[str, list[str]] = {
    # ---- q1: physical harms
    "bladder": [
        "my bladder is [wrecked|destroyed|ruined|a mess] from {k}",
        "k bladder is no joke, some days i'm peeing every 20 minutes",
        "I need the toilet constantly, every [half hour|20 mins|hour], even through the night",
        "there was blood in my urine for weeks before I went to anyone",
        "pissing blood and [telling myself it was normal|still carrying on "
        "using|not telling anyone]",
        "burning pain when I pee, like [passing glass|razor blades|acid]",
        "bladder pain so bad I'd curl up on the bathroom floor",
        "my urologist says my bladder holds about a third of what it should",
        "urinary [frequency, urgency, the lot|frequency and urgency|urgency that rules my life]",
        "I've wet myself in public twice because I couldn't make it in time",
        "K bladder. years of it",
        "my bladdar is basically shot",
        "they did a cystoscopy and said the bladder lining is scarred",
        "kept getting what I thought were UTIs but it was the {k} all along",
        "urinating every 10 mins at my worst",
        "getting up [6 or 7|5|8] times a night to [wee|pee]",
        "the pain in my bladder [was unbearable|kept me awake|was like being stabbed]",
        "bladder problems started after about {dur} of daily use",
        "ulcerative cystitis, which I'd never even heard of before",
        "incontinence, which is humiliating at my age",
        "peeing tiny amounts that feel like razor blades",
        "ket bladder started small, just needing to go more often, then it got scary",
        "my bladder capacity is down to about 150ml",
        "no doubt the {k} caused my bladder problems",
        "not only bladder pain but blood when I pee too",
        "the k-bladder pain is constant",
        "urine full of blood one morning, that was when I got scared",
        "needing to pee so urgently I plan every trip around toilets",
        "my bladder feels like it's full of broken glass",
        "constant UTI symptoms that antibiotics never fix",
        "peeing [every 15 minutes|every half hour|all day long] and it burns",
        "I have to know where every toilet is before I leave the house",
        "my bladder has shrunk, the urologist showed me the scan",
        "I've had blood in my pee more times than I can count",
        "the bladder spasms wake me up at night",
        "K bladder at [24|27|31], I didn't think it could happen to me",
    ],
    "kidney": [
        "my kidneys are affected now, one is swollen (hydronephrosis)",
        "kidney function tests came back bad",
        "they told me I'd damaged my kidneys",
        "had stents put in because my kidneys were blocked",
        "pain round my kidneys that the doctor linked to {k}",
        "renal damage at 26",
        "my kidny function is at 60 percent",
        "I'm terrified about kidney failure",
        "the scan showed both kidneys were swollen",
        "my [GP|urologist|consultant] is keeping an eye on my kidney function",
    ],
    "abdominal_pain": [
        "K cramps are the worst pain I've ever felt",
        "k-cramps that left me on the floor",
        "ket cramps [most nights|every other day|whenever I use a lot]",
        "the cramps, god the cramps",
        "horrendous stomach pains",
        "stomach pain that comes in waves",
        "gut pain every [morning|day|time I eat]",
        "belly aches so bad I couldn't stand up straight",
        "agonising abdominal pain",
        "my stomach is in bits",
        "k cramps, the ones where you can't move and just sweat",
        "the stomach cramps were horrific",
        "cramping so badly I ended up in {er}",
        "I'd take more {k} to stop the cramps, which obviously made them worse",
        "K cramps 😞 nobody warned me",
        "stomach ache pretty much [every day|all the time|every morning]",
        "k cramps had me sat in a hot bath at 4am",
        "the k cramps are [unreal|indescribable|like being kicked from the inside]",
        "I've been to {er} with stomach pain three times",
        "k-cramps kept me curled up in a ball for hours",
    ],
    "other_physical": [
        "my memory is terrible now",
        "short-term memory is gone",
        "liver problems, they think from the bile ducts",
        "lost loads of weight, about 2 stone",
        "nosebleeds all the time",
        "my septum is damaged",
        "fell down the stairs in a k-hole and broke my wrist",
        "dizzy spells",
        "blurred vision when I'm coming down",
        "constant headaches",
        "numbness in my hands and feet",
        "weight loss, I look ill",
        "my memory is shot, I forget conversations",
        "headaches most days",
    ],
    # ---- q1: psychological harms
    "cravings": [
        "the cravings are constant",
        "cravings hit me out of nowhere",
        "I crave it [every single day|most days|every evening] even now",
        "cravins are worst at night",
        "the craving never really goes away",
        "urges to use come in waves",
        "fiending for ket by lunchtime",
        "the urge to use is [overwhelming|relentless|strongest at night]",
        "I'd be craving another line before the first one wore off",
        "even {clean} clean the cravings come back when I'm stressed",
        "obsessed with getting more",
        "I crave it like food",
        "I can't stop thinking about it",
        "cravings so strong I'd [walk to the dealer's at 3am|spend my rent on "
        "it|ring my dealer from work]",
        "the craveing is the hardest part",
        "the cravings [hit hardest on payday|come with boredom|are worse when I'm alone]",
        "I still get cravings when I hear certain music",
        "I'm craving it as I write this",
    ],
    "low_mood": [
        "depression like I've never [known|had before|experienced]",
        "I've been really depressed",
        "low mood [most days|all the time|for months on end]",
        "I felt completely hopeless",
        "[I had suicidal thoughts for the first time in my life|I kept having "
        "suicidal thoughts|suicidal thoughts at my worst]",
        "the comedowns leave me so low I can't get out of bed",
        "I lost interest in everything I used to love",
        "depresion, proper dark place",
        "I cried every day for months",
        "felt like there was no point in anything",
        "my mood just crashed",
        "I'd feel empty for days after a binge",
        "I feel worthless most of the time",
        "the lows are brutal",
        "I'm depressed and I can't tell if it's the k or me",
        "I'm so low on the comedown that I [stay in bed all weekend|stop "
        "answering my phone|can't face anyone]",
        "hopeless, like I'd wrecked everything",
        "deep depression after every binge",
    ],
    "anxiety": [
        "[crippling|constant|awful] anxiety",
        "anxiety through the roof",
        "panic attacks, sometimes several a week",
        "anxeity every time I leave the house",
        "I'm anxious all the time now",
        "paranoia, thinking everyone knew",
        "heart racing, constant dread",
        "social anxiety I [never had before|didn't have before|never used to get]",
        "a nervous wreck when I'm not using",
        "on edge constantly",
        "my anxiety got so bad I couldn't work",
        "anxiaty and panic",
        "panic attacks in the supermarket",
        "anxiety [every morning|when the phone rings|about everything]",
        "I'm anxious about my health all the time",
    ],
    "irritability": [
        "I got really irritable and snappy with my partner",
        "short temper, snapping at everyone",
        "mood swings that scared my family",
        "I was angry all the time, not like me at all",
        "rage when I couldn't get any",
        "irritable and restless on days without it",
        "lashing out at people I love",
        "aggressive when coming down",
        "my mood swings are [awful|scary|out of control]",
        "I'm so irritable on a comedown",
    ],
    # ---- q1: use patterns
    "tolerance_escalation": [
        "tolerance went through the roof, from a bump to {amount}",
        "I needed more and more to feel anything",
        "by the end I was on {amount}",
        "my use escalated fast",
        "went from weekends to every day within a year",
        "tolerence builds so quick with {k}",
        "I was doing {amount} just to feel normal",
        "my tolerance is insane now",
        "tolerance [crept|shot|went] up [fast|quickly|within months]",
    ],
    "first_use_recreational": [
        "started at festivals when I was 19",
        "first tried it at a house party",
        "got into it through clubbing, it was just a party drug then",
        "started recreationally at uni",
        "my mates introduced me to it at a rave",
        "purely recreational at first, weekends only",
        "it started as a bit of fun on nights out",
        "I first tried it at a festival [at 17|at 19|when I was 21]",
    ],
    "first_use_prescribed": [
        "I was first given ketamine infusions for chronic pain",
        "it started with prescribed esketamine for depression",
        "my first experience was ketamine therapy at a clinic",
        "I was prescribed ketamine for treatment-resistant depression and it spiralled from there",
        "I was prescribed it after surgery and kept going",
    ],
    # ---- q2: treatment
    "sought_desc": [
        "I went to {service}",
        "I saw {service} a few times",
        "I was referred to {service}",
        "did a detox then {service}",
        "I tried NA meetings and {service}",
        "I've been with {service} for {clean}",
        "{service} first, then urology",
        "I self-referred to {service}",
        "my partner made me go to {service}",
        "I ended up at {service} after a crisis",
        "[online forums|reddit|a facebook group|an online group] at first, then {service}",
        "I did [28 days|a month|six weeks|3 months] [residential|in rehab|inpatient]",
    ],
    "never_sought": [
        "I've never sought any treatment",
        "never asked anyone for help, [honestly|not once|I'm too proud]",
        "haven't looked for any support yet",
        "nothing. I've never told a doctor",
        "I've never been to my GP about it",
        "I'm trying to quit on my own",
        "no treatment, I just white knuckle it",
        "I did it cold turkey by myself",
        "I've not reached out to anyone",
        "I never looked because I didn't think there was anything for k",
        "didnt look for any",
        "dealing with it alone",
        "I haven't asked for help",
        "I've never had any treatment for it",
        "never gone to a service",
        "I've never seen anyone about it",
        "I've never told anyone, let alone a doctor",
        "not sought anything, I'm managing it myself",
    ],
    "barriers": [
        "the waiting list for the drug service was 6 months",
        "I couldn't afford private rehab",
        "there's nowhere near me that deals with ketamine",
        "I'm scared if I tell my GP it goes on my record and affects my job",
        "every service I found was for heroin or alcohol, nothing for k",
        "my insurance wouldn't cover it",
        "got passed between urology and addiction services and neither would take me",
        "I don't know where to go",
        "they turned me away because I wasn't using opioids",
        "the nearest service is 2 hours away",
        "no specialist help exists where I live",
        "appointments are always during work hours",
        "I'm worried about social services getting involved with my kids",
        "rehab is too expensive",
        "the wait list was so long I'd relapsed by the time they called",
        "the waiting list was [4|6|9] months",
        "I can't afford time off work for appointments",
        "I don't know where to go for k specifically",
    ],
    "satisfied": [
        "{service} was brilliant",
        "honestly {service} saved my life",
        "my urology nurse has been amazing",
        "I'm [really|very|genuinely] happy with the support I got",
        "the counsellor really understood k addiction, which made all the difference",
        "it really helped, I've been clean {clean}",
        "very satisfied, they took me seriously",
        "couldn't fault them",
        "the peer support group helped massively",
        "I'm grateful to everyone at {service}",
        "they were supportive and never judgemental",
        "{service} turned my life around",
        "it made a huge difference",
        "the nurse was brilliant, she knew all about k bladder",
        "my keyworker has been amazing",
    ],
    "dissatisfied": [
        "my GP just gave me antibiotics and sent me home, useless",
        "rehab was a waste of time, it was all about alcohol",
        "{service} didn't help at all",
        "I felt dismissed and fobbed off",
        "not satisfied at all",
        "counselling was ok but didn't touch the cravings",
        "treatment was rubbish, 6 sessions then nothing",
        "no follow up after detox",
        "it was pointless",
        "unhelpful and a bit judgemental",
        "they told me to just stop taking it, thanks for that",
        "{service} was useless for k",
        "dissatisfied, nothing changed",
        "I left feeling worse than when I went in",
        "the whole thing was a let down",
        "it was useless, [they only knew about heroin|nobody knew about k|six weeks of nothing]",
        "I was fobbed off with leaflets",
    ],
    "mixed": [
        "some of it was good, some not",
        "it was ok I suppose",
        "still working on it",
        "I'm on a methadone-style script for something else, not for the k",
        "they did weekly urine tests which felt a bit much",
        "had to do pee tests at the clinic every week",
        "bladder cancer screening came back clear, which was a relief",
    ],
    # ---- q3 (and q2): awareness gaps
    "clinicians": [
        "my GP had never heard of ketamine bladder",
        "[doctors|GPs|medics] need to know more about k, I had to explain it "
        "to [three|two|four] of them",
        "{er} staff had no idea what k cramps were and thought I was drug seeking",
        "the doctor literally googled ketamine in front of me",
        "nurses don't know the first thing about it",
        "most doctors think ketamine is just an anaesthetic and nothing else",
        "I wish medical professionals were trained on this",
        "GPs have no clue about [ket|ketamine|it]",
        "health professionals need better training on k",
        "my doctor didn't know ketamine could do this to a bladder",
        "the psychiatrist had never come across a ketamine addict",
        "the doctor didn't know what k cramps were",
        "nurses [in {er}|on the ward] had never heard of ketamine bladder",
    ],
    "educators": [
        "we got drug talks at school but nobody ever mentioned ketamine",
        "teachers have no idea kids are doing k",
        "school drug education is stuck in the 90s, all about heroin",
        "uni welfare staff didn't know what to say when I told them",
        "pshe taught us nothing about k",
        "my son's school thinks ket is just a festival thing",
        "youth workers and teachers need training about ket",
    ],
    "peers": [
        "my mates think it's harmless compared to coke",
        "people I used with had no idea about the bladder stuff",
        "none of my friends knew it could wreck your bladder",
        "everyone in my circle thought k wasn't addictive",
        "friends laughed off my k cramps as a joke",
        "in the scene nobody talks about the damage",
        "my friends still think it's a safe party drug",
    ],
    "public": [
        "people don't realise how addictive it is",
        "most people have no idea what ketamine does to your body",
        "everyone thinks it's just a horse tranquiliser",
        "the public has no clue, there's zero awareness",
        "it's not a harmless party drug, whatever people think",
        "people think you can't get addicted to [k|ket|it]",
        "the general public still thinks of it as a [club drug|party "
        "drug|harmless buzz] with no consequences",
        "people don't understand that it's physically addictive",
        "most people don't know it can wreck your bladder",
        "everyone thinks it's a [fun|cheap|safe] drug",
    ],
    # ---- stigma
    "judged": [
        "the stigma is [massive|huge|still there|unreal]",
        "you get treated like a junkie the second you say ketamine",
        "I felt judged by the nurse",
        "people look down on you",
        "there's this stigma that k users are just party kids who deserve it",
        "the judgement from my family was worse than the withdrawal",
        "a receptionist called me a smackhead",
        "judged every time I asked for help",
        "the way the receptionist looked at me, I felt judged",
    ],
    "shame": [
        "I'm so ashamed of what I've done to my body",
        "the shame keeps me quiet",
        "I hid it from my family for years",
        "too embarrassed to tell anyone",
        "I've kept it secret from my partner",
        "I feel dirty and ashamed",
        "the embarrassment of wetting myself at work",
        "I'm ashamed that my kids saw me like that",
    ],
    # ---- calls for education and research
    "more_education": [
        "there needs to be proper education about ketamine in schools",
        "we need awareness campaigns like there were for heroin",
        "harm reduction info should mention the bladder",
        "drug education needs updating",
        "we need more education so young people know the risks",
        "better information for users about the damage",
        "teach kids about k bladder before they start",
        "raise awareness, please",
        "[schools|parents|young people] need better information about k",
    ],
    "more_research": [
        "more research is needed into treatment for k addiction",
        "there's hardly any research on ketamine bladder",
        "we need studies on what actually works for quitting",
        "why is there no proper research on k cramps",
        "fund research into k-specific treatment",
        "there needs to be more research on [treatment for ket|what helps people quit|k addiction]",
    ],
    # ---- policy
    "criminalisation": [
        "criminalising users just pushes us away from help",
        "I was scared to get help in case the police got involved",
        "I got a criminal record for possession and it made everything worse",
        "being arrested didn't stop me using",
        "the law makes it harder to be honest with doctors",
        "it's class B so people hide it",
    ],
    "policy_change": [
        "the government needs to fund specialist k services",
        "decriminalise it and treat it as a health issue",
        "treat it as a health problem not a crime",
        "policy makers need to listen to people who use",
        "there should be dedicated ketamine services in every city",
        "the government should fund proper k services",
    ],
    # ---- not to be coded
    "neg_bladder": [
        "never had bladder issues thank god",
        "luckily no bladder problems so far",
        "I don't have k bladder, which I know is lucky",
        "no bladder pain at all",
        "my bladder is fine, it's my head that's messed up",
    ],
    "neg_cravings": [
        "no cravings anymore",
        "I don't really get cravings",
        "never had cravings, which surprised me",
    ],
    "neg_abdominal_pain": [
        "never had the k cramps people talk about",
        "no cramps",
    ],
    "neg_anxiety": [
        "no anxiety really",
        "I'm not anxious",
    ],
    "neg_low_mood": [
        "not depressed exactly, more numb",
        "I'm not depressed",
    ],
    "neg_kidney": [
        "no kidney damage [so far|yet|as far as I know|touch wood]",
    ],
    # ---- code-neutral sentences
    "life": [
        "I quit [k|K|k|ket].",
        "I'm {clean} off [k|K].",
        "everything revolved around k.",
        "still using k.",
        "my whole twenties went on k.",
        "I've relapsed twice but I'm trying again",
        "it crept up on me slowly",
        "I lost my job and most of my friends",
        "my relationship ended because of it",
        "I'm {clean} clean now",
        "I use most days still",
        "I was a daily user for {dur}",
        "I've been using {k} for {dur}",
        "k-holes stopped being fun a long time ago",
    ],
    "opener": [
        "where do I start.",
        "honestly,",
        "tbh,",
        "ok so,",
        "long story.",
        "hmm.",
        "well.",
        "I've been using {k} for {dur}.",
        "{dur} of using.",
        "been on {k} since uni.",
        "using since lockdown.",
        "since 2017, roughly.",
        "a lot.",
        "god, loads.",
    ],  # fmt: skip
    "closer": [
        "that's about it",
        "hope this helps someone 🙏",
        "thanks for doing this survey",
        "thanks for doing this research",
        "sorry that's a lot",
        "",
        "",
        "",
    ],  # fmt: skip
    "q2_none": ["n/a", "none", "nothing", "-", "not yet", "nothing really"],
    "filler": [
        "I started using when I was about 20, after a breakup.",
        "For a long time it was just weekends, then it wasn't.",
        "My partner at the time used too, so it felt normal in our flat.",
        "I lost my job in 2021 and that was the start of the worst period.",
        "I moved back in with my mum for a while.",
        "There were good months and bad months.",
        "Looking back I can see how slowly it crept up on me.",
        "I'm writing this on my phone so sorry for the typos.",
        "My little sister is the reason I kept going.",
        "I'd go out to buy milk and come home with a bag instead.",
        "Money was always tight, everything went on it.",
        "I told myself I'd stop after my birthday, then after Christmas, then after summer.",
        "I was good at hiding how bad it was at work for a long time.",
        "The people around me were using the same way, so nothing looked unusual.",
        "Some nights I'd sit in the car for an hour before going in.",
        "I had a decent job, a flat, a cat, the lot.",
        "I remember the exact day I realised I was in trouble.",
        "It's strange writing all this down.",
        "My dad still doesn't fully get it.",
        "I've started running again, slowly.",
        "I'd love to go back to college one day.",
        "My days had a shape: wake up, use, sleep, repeat.",
        "I kept a diary for a bit, reading it back is hard.",
        "I moved cities twice to get away from it and it followed me both times.",
        "I'm in my thirties now and I feel a lot older.",
        "The summer of 2019 is mostly a blur.",
        "My friends from school have kids and mortgages and I'm starting from scratch.",
        "Writing this has taken me three evenings.",
    ],
}

# Multi-code fragments: (codes, text).
COMBOS: dict[str, list[tuple[tuple[str, ...], str]]] = {
    "q1": [
        (
            ("bladder", "tolerance_escalation"),
            "the bladder pain made me use more to numb it, which is the cruel joke of it",
        ),
        (
            ("abdominal_pain", "other_physical"),
            "upper abdo pain which turned out to be my bile duct",
        ),
        (("bladder", "shame"), "the embarrassment of needing the toilet every 15 minutes at work"),
        (
            ("cravings", "low_mood"),
            "[cravings and depression|the cravings and the low mood] feed each other",
        ),
        (("anxiety", "low_mood"), "anxiety and depression, both worse than before I started"),
        (("bladder", "abdominal_pain"), "k bladder and k cramps, the full set 😞"),
    ],
    "q2": [
        (
            ("dissatisfied", "clinicians"),
            "they didn't know anything about ketamine so it was pointless",
        ),
        (("dissatisfied", "judged"), "they treated me like a junkie and I never went back"),
        (("barriers", "shame"), "I was too [ashamed|embarrassed] to ask [anyone|for help|my GP]"),
        (("satisfied", "bladder"), "the urology team sorted my bladder pain and were brilliant"),
        (
            ("dissatisfied", "bladder"),
            "the urologist only cared about my bladder, not the addiction, didn't help",
        ),
        (
            ("barriers", "criminalisation"),
            "I was scared the police would find out if I went to a doctor",
        ),
    ],
    "q3": [
        (("bladder", "public"), "people don't realise k bladder can be permanent"),
        (
            ("clinicians", "more_education"),
            "GPs need proper training, they have no idea what ketamine does",
        ),
        (("judged", "criminalisation"), "we get treated like criminals instead of patients"),
        (("peers", "abdominal_pain"), "my mates think k cramps are just a funny side effect"),
    ],
}

# Fragments that also mention a second code (a harm named while talking about awareness,
# shame about a symptom...): the truth file lists both.
EXTRA_TAGS: dict[str, tuple[str, ...]] = {
    "my doctor didn't know ketamine could do this to a bladder": ("bladder",),
    "{er} staff had no idea what k cramps were and thought I was drug seeking": ("abdominal_pain",),
    "friends laughed off my k cramps as a joke": ("abdominal_pain",),
    "people I used with had no idea about the bladder stuff": ("bladder",),
    "there's hardly any research on ketamine bladder": ("bladder",),
    "teach kids about k bladder before they start": ("bladder",),
    "harm reduction info should mention the bladder": ("bladder",),
    "incontinence, which is humiliating at my age": ("shame",),
    "health professionals need better training on k": ("more_education",),
    "youth workers and teachers need training about ket": ("more_education",),
    "unhelpful and a bit judgemental": ("judged",),
    "most people don't know it can wreck your bladder": ("bladder",),
    "the nurse was brilliant, she knew all about k bladder": ("bladder",),
    "the doctor didn't know what k cramps were": ("abdominal_pain",),
    "I was scared to get help in case the police got involved": ("barriers",),
    "the urologist only cared about my bladder, not the addiction, didn't help": ("bladder",),
}

# Misspellings a sloppy typist makes (applied per word, case-insensitive).
MISSPELL = {
    "bladder": ["bladdar", "bladdr", "blader"],
    "cravings": ["cravins", "cravigns", "cravngs"],
    "anxiety": ["anxeity", "anxiaty", "anxity"],
    "definitely": ["definately"],
    "really": ["realy", "rly"],
    "because": ["becuase", "cos", "coz"],
    "doctor": ["docter", "doc"],
    "doctors": ["docters", "docs"],
    "stomach": ["stomache", "stomac"],
    "depression": ["depresion", "depressoin"],
    "treatment": ["treatmant", "treatement"],
    "tolerance": ["tolerence", "tollerance"],
    "ketamine": ["ketamin", "ketamene"],
    "kidneys": ["kidnies", "kidneys"],
    "people": ["ppl", "poeple"],
    "something": ["somthing"],
    "anything": ["anythin"],
    "know": ["kno"],
}

# Share of respondents with bladder problems, and how treatment went for those who sought it
# (before empty answers and the codebook's misses).
BLADDER_SHARE = 0.54
OUTCOMES = {"satisfied": 0.38, "dissatisfied": 0.48}  # the rest: mixed or neutral

Q1_CODES = {
    # code: probability for a respondent (before empty answers and misses)
    "bladder": 0.0,  # drawn as a quota instead: BLADDER_SHARE
    "kidney": 0.14,
    "abdominal_pain": 0.38,
    "other_physical": 0.17,
    "cravings": 0.52,
    "low_mood": 0.44,
    "anxiety": 0.38,
    "irritability": 0.12,
    "tolerance_escalation": 0.24,
}
Q3_CODES = {
    "clinicians": 0.30,
    "educators": 0.10,
    "peers": 0.15,
    "public": 0.27,
    "judged": 0.16,
    "shame": 0.10,
    "more_education": 0.17,
    "more_research": 0.10,
    "criminalisation": 0.07,
    "policy_change": 0.07,
}


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    """One value from (value, weight) pairs."""
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


class Respondent:
    """A synthetic respondent: attributes, latent codes and writing style."""

    def __init__(self, rng: random.Random, number: int) -> None:
        self.rng = rng
        self.id = f"P{number:03d}"
        self.region = weighted(rng, REGIONS)
        self.age_band = weighted(rng, AGE_BANDS)
        self.sought = rng.random() < 0.63
        # The name they use for the drug: most stick to one or two.
        self.names = rng.sample(KET, 2)
        # Writing style.
        self.lower = rng.random() < 0.42
        self.no_punct = rng.random() < 0.18
        self.no_apostrophe = self.lower and rng.random() < 0.5
        self.misspeller = rng.random() < 0.18
        self.emoji = rng.random() < 0.14
        self.linebreaks = rng.random() < 0.09
        self.verbose = rng.random() < 0.25

    # -- filling templates -------------------------------------------------------------
    def fill(self, template: str) -> str:
        """Fill a template's slots for this respondent."""
        rng = self.rng
        slots = {
            "k": rng.choice(self.names),
            "dur": rng.choice(DUR),
            "clean": rng.choice(CLEAN),
            "amount": rng.choice(AMOUNT),
            "service": rng.choice(SERVICE[self.region]),
            "er": ER[self.region],
        }
        # [a|b|c] picks one alternative, so one template yields several wordings.
        text = re.sub(
            r"\[([^\[\]]*\|[^\[\]]*)\]", lambda m: rng.choice(m.group(1).split("|")), template
        )
        return re.sub(r"\{(\w+)\}", lambda m: slots[m.group(1)], text)

    def pick(self, pool: str, used: set[str]) -> str:
        """A fragment from a pool, not one this respondent already used."""
        return self.pick_tagged(pool, used)[1]

    def pick_tagged(self, pool: str, used: set[str]) -> tuple[tuple[str, ...], str]:
        """A fragment from a code's pool with the codes it expresses."""
        options = [f for f in POOLS[pool] if f not in used] or POOLS[pool]
        fragment = self.rng.choice(options)
        used.add(fragment)
        return (pool, *EXTRA_TAGS.get(fragment, ())), self.fill(fragment)


def sentence_case(text: str) -> str:
    """Capitalise the first letter (leave the rest alone)."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


NEG = "_negated"  # a pseudo-tag: the fragment is a negated mention (never in the truth file)

# Light modifiers that make recombined fragments read less alike (none negates anything).
PREFIXES = ["also ", "plus ", "oh and ", "honestly ", "tbh ", "on top of that ", "then "]
SUFFIXES = [" tbh", " honestly", " if I'm honest", " to this day", " if that makes sense", " lol"]


def join_fragments(r: Respondent, fragments: list[tuple[tuple[str, ...], str]]) -> str:
    """Join (tags, text) fragments the way this respondent writes."""
    rng = r.rng
    parts: list[str] = []
    for i, (tags, frag) in enumerate(fragments):
        frag = frag.strip()
        if not frag:
            continue
        negated = NEG in tags
        if not negated and i > 0 and rng.random() < 0.12:
            so_far = " ".join(parts).lower()
            prefix = rng.choice([p for p in PREFIXES if p.strip() not in so_far] or [""])
            frag = prefix + frag[0].lower() + frag[1:]
        if not negated and not frag.endswith((".", ",", "!", "?")) and rng.random() < 0.08:
            so_far = " ".join(parts).lower()
            frag += rng.choice([x for x in SUFFIXES if x.strip() not in so_far] or [""])
        last = i == len(fragments) - 1
        if frag.endswith((".", ",", "!", "?")):
            end = ""
        elif last:
            end = rng.choice([".", ".", "", "!", "..."])
        elif negated:
            end = rng.choice([".", ".", "!"])  # keep a negated fragment's scope to itself
        else:
            end = rng.choice([".", ".", ".", ",", ", and", " -", ".", "!"])
        if r.emoji and rng.random() < 0.25:
            end += " " + rng.choice(EMOJI)
        parts.append(frag + end)
    if not parts:
        return ""
    out = [parts[0]]
    for prev, part in zip(parts, parts[1:]):
        sep = " "
        if r.linebreaks and rng.random() < 0.5:
            sep = rng.choice(["\n", "\n\n", "\n"])
        if not r.lower and prev.rstrip().endswith((".", "!", "?")):
            part = sentence_case(part)
        out.append(sep + part)
    text = "".join(out)
    if not r.lower:
        text = sentence_case(text)
    return text


def style(r: Respondent, text: str) -> str:
    """Apply the respondent's habits: case, punctuation, apostrophes, misspellings."""
    rng = r.rng
    if r.lower:
        text = text.lower()
    if r.misspeller:

        def swap(m: re.Match[str]) -> str:
            word = m.group(0)
            options = MISSPELL.get(word.lower())
            if options and rng.random() < 0.6:
                new = rng.choice(options)
                return new.capitalize() if word[0].isupper() else new
            return word

        text = re.sub(r"[A-Za-z]+", swap, text)
    if r.no_apostrophe:
        text = re.sub(r"(?i)\b(\w+)'(t|m|ve)\b", r"\1\2", text)
    if r.no_punct:
        text = re.sub(r"[.,;:!]+(?=\s|$)", "", text)
        text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return text


def choose(rng: random.Random, probs: dict[str, float]) -> list[str]:
    """The codes whose coin comes up (in the dict's fixed order)."""
    return [code for code, p in probs.items() if rng.random() < p]


def fragments_for(
    r: Respondent, codes: list[str], used: set[str]
) -> list[tuple[tuple[str, ...], str]]:
    """One (codes, text) fragment per code, occasionally two."""
    out = []
    for code in codes:
        out.append(r.pick_tagged(code, used))
        if r.verbose and r.rng.random() < 0.25:
            out.append(r.pick_tagged(code, used))
    return out


def answer_q1(r: Respondent, codes: list[str]) -> tuple[str, set[str]]:
    """The harms answer: one or more fragments per latent harm code, some negated mentions."""
    rng = r.rng
    used: set[str] = set()
    frags = fragments_for(r, codes, used)
    for combo_codes, text in COMBOS["q1"]:
        if all(c in codes for c in combo_codes) and rng.random() < 0.2:
            frags.append((combo_codes, r.fill(text)))
    rng.shuffle(frags)
    if rng.random() < 0.18:
        frags.insert(rng.randrange(len(frags) + 1), ((), r.pick("life", used)))
    # Negated mentions of harms they do not have, at the end of the answer.
    for code in ("bladder", "cravings", "abdominal_pain", "anxiety", "low_mood", "kidney"):
        if code not in codes and rng.random() < (0.22 if code == "bladder" else 0.07):
            frags.append(((NEG,), r.pick("neg_" + code, used)))
    if rng.random() < 0.35:
        frags.insert(0, ((), r.pick("opener", used)))
    if not frags:
        frags.append(((), r.pick("life", used)))
    tags = {c for cs, _ in frags for c in cs if c != NEG}
    return style(r, join_fragments(r, frags)), tags


def answer_q2(r: Respondent, latent: dict[str, bool]) -> tuple[str, set[str]]:
    """The treatment answer, consistent with sought_treatment."""
    rng = r.rng
    used: set[str] = set()
    frags: list[tuple[tuple[str, ...], str]] = []
    if r.sought:
        frags.append(((), r.pick("sought_desc", used)))
        outcome = latent["outcome"]
        if outcome == "satisfied":
            frags += fragments_for(r, ["satisfied"], used)
        elif outcome == "dissatisfied":
            frags += fragments_for(r, ["dissatisfied"], used)
        else:
            frags.append(((), r.pick("mixed", used)))
        if rng.random() < 0.18:
            frags += fragments_for(r, ["barriers"], used)
        if outcome != "satisfied" and rng.random() < 0.22:
            frags += fragments_for(r, ["clinicians"], used)
        if rng.random() < 0.07:
            frags += fragments_for(r, ["judged"], used)
        if rng.random() < 0.08:
            frags.append(((), r.pick("mixed", used)))
        for combo_codes, text in COMBOS["q2"]:
            wanted = [c for c in combo_codes if c in ("satisfied", "dissatisfied")]
            if wanted and latent["outcome"] != wanted[0]:
                continue
            if not wanted and "barriers" not in combo_codes:
                continue
            if rng.random() < 0.05:
                frags.append((combo_codes, r.fill(text)))
    else:
        if rng.random() < 0.12:
            return r.pick("q2_none", used), set()
        if rng.random() < 0.88:
            frags += fragments_for(r, ["never_sought"], used)
        if rng.random() < 0.45:
            frags += fragments_for(r, ["barriers"], used)
        if rng.random() < 0.12:
            frags += fragments_for(r, ["shame"], used)
        if rng.random() < 0.06:
            frags.append((("barriers", "criminalisation"), r.fill(COMBOS["q2"][5][1])))
        if rng.random() < 0.06:
            frags.append((("barriers", "shame"), r.fill(COMBOS["q2"][2][1])))
        if not frags:
            frags.append(((), r.pick("life", used)))
    tags = {c for cs, _ in frags for c in cs if c != NEG}
    return style(r, join_fragments(r, frags)), tags


def answer_q3(r: Respondent, codes: list[str], latent: dict[str, bool]) -> tuple[str, set[str]]:
    """The awareness answer: awareness gaps, stigma, calls for education, research, policy."""
    rng = r.rng
    used: set[str] = set()
    frags = fragments_for(r, codes, used)
    for combo_codes, text in COMBOS["q3"]:
        if any(c in codes for c in combo_codes) and rng.random() < 0.08:
            frags.append((combo_codes, r.fill(text)))
    # Some repeat a harm they have, as a warning.
    if latent["bladder"] and rng.random() < 0.15:
        frags.append((("bladder",), rng.choice([
            "k bladder is real and it doesn't always heal",
            "your bladder will not thank you",
            "the bladder damage can be permanent",
            "ketamine bladder can happen to anyone who uses regularly",
        ])))  # fmt: skip
    if latent["abdominal_pain"] and rng.random() < 0.08:
        frags.append((("abdominal_pain",), "k cramps are not normal, get checked"))
    if latent["cravings"] and rng.random() < 0.08:
        frags.append((("cravings",), "how addictive it is, the cravings are like nothing else"))
    rng.shuffle(frags)
    if not frags:
        frags.append(((), rng.choice([
            "that it's not the fun drug it looks like",
            "just be careful with it",
            "it takes more than it gives",
            "that you can come back from it",
            "I don't know really",
            "it's not what you think",
            "that it can happen to anyone",
        ])))  # fmt: skip
    if rng.random() < 0.12:
        frags.append(((), r.pick("closer", used)))
    tags = {c for cs, _ in frags for c in cs if c != NEG}
    return style(r, join_fragments(r, frags)), tags


# The very long answers: four narratives, each several paragraphs, with the codes they
# express. They are written for this project, like every other fragment here.
LONG_ANSWERS: dict[str, tuple[tuple[str, ...], str]] = {
    "harms_story": (
        (
            "first_use_recreational",
            "tolerance_escalation",
            "bladder",
            "abdominal_pain",
            "other_physical",
            "low_mood",
            "anxiety",
            "cravings",
        ),
        """Where do I even start. I was 22 when I first tried ketamine, at a friend's birthday \
party in a flat above a chip shop, and for about two years it was a weekend thing. Then \
lockdown happened and weekends stopped meaning anything. By 2021 I was using every day, and by \
the end of that year I was on about 3 grams a day just to feel level.

The first physical thing was needing the toilet more. I honestly thought it was a water \
infection. Then it was every half hour, then every fifteen minutes, and then there was blood. I \
remember standing in the bathroom at work staring at the bowl and telling myself it was \
something I'd eaten. It wasn't. It took me another eight months to see anyone about it, and by \
then my bladder was holding maybe 100ml on a good day. Peeing felt like passing broken glass. I \
stopped going to the cinema, stopped getting trains, stopped seeing friends who lived more than \
ten minutes away, because I planned my whole life around toilets.

Then the K cramps started. If you've never had them it's hard to explain. It starts as an ache \
under the ribs and within half an hour you're on the floor, sweating, unable to talk. I used to \
sit in a hot bath at four in the morning because it was the only thing that took the edge off, \
apart from more ketamine, which is the cruellest part: the drug causing the pain was the thing \
that numbed it. A scan later showed my bile ducts were dilated and my liver numbers were off.

Mentally I was in a very dark place. I would say I was depressed for most of 2022. Not sad \
exactly, just flat, like someone had turned the colour down on everything. I had thoughts about \
not being here that I'd never had before. The anxiety came later, mostly when I tried to cut \
down: my heart would race, I couldn't go into shops, I was convinced people could tell.

Sleep went too. Between the toilet and the cramps I was lucky to get three hours in a row, and \
I was using to get to sleep and using to get up. I lost about two stone without trying. My skin \
was grey. People at work thought I had some kind of illness and I let them think that, because \
an illness sounded better than the truth.

The tolerance crept up so slowly I didn't notice it. A bag that used to last a weekend lasted a \
day, then an afternoon. I remember being proud that I only did it at home, as if that made it \
any better.

The cravings are still the hardest thing to describe to people who haven't been there. Even \
now, fourteen months clean, a certain smell or a song will set it off and I'll think about it \
for the rest of the day. In the early weeks it was constant. I would wake up craving it.

I never had the memory problems some people describe, or if I did I can't remember them \
(that's a joke, sort of). My kidneys are fine as far as anyone can tell, which I'm grateful for.

Physically I'm better than I was. The bladder pain is maybe a third of what it was, though I \
still get up three times a night. The urology nurse says some of the damage may be permanent \
and I've had to make my peace with that. Some days I'm angry about it, mostly I'm just tired.

I'm writing this because I wish someone had told me any of this when I was 22.""",
    ),
    "treatment_story": (
        ("bladder", "barriers", "clinicians", "dissatisfied", "satisfied", "abdominal_pain"),
        """This is going to be long, sorry.

The first time I went to my GP was about the bleeding. I didn't say anything about ketamine \
because I was scared of what would go on my record, so I said I'd had a few water infections. \
She gave me antibiotics. I went back three more times over six months, each time leaving with \
antibiotics, until I finally told a different doctor at the same practice the truth. He was kind \
enough, but he had never heard of ketamine bladder and looked it up on his computer while I sat \
there. To be fair to him, he said so. He referred me to urology and to the local drug service.

The urology waiting list was seven months. The drug service had a three month wait for an \
assessment, and when I got there the assessment form was built entirely around heroin, crack and \
alcohol. There was literally nowhere on it to put ketamine, the worker wrote it in the margin. \
They offered me a group that was mostly older men on methadone scripts, which is not a criticism \
of them, but nobody in the room knew what K cramps were and I felt like a tourist. I went twice \
and stopped going. It was a waste of time for me.

In the meantime I was still using, because the pain was unbearable and ketamine was the only \
thing that touched it. Nobody in the system seemed to understand that loop. One nurse told me to \
just stop taking it and the pain would go away. I walked out of that appointment and sat in the \
car park for an hour.

When urology finally saw me the consultant was the first person who actually knew what was going \
on. He'd seen dozens of people like me. He did a cystoscopy, explained what the damage to my \
bladder was, and put me on a treatment plan. He also told me about a specialist clinic two hours \
away that runs a programme just for ketamine users. I couldn't afford to go privately and it \
took another referral fight to get funded, but I got in last spring.

That clinic saved my life, and I don't say that lightly. The staff understood k addiction, the \
groups were people my age who had been through the same thing, and for the first time nobody \
flinched when I described what my bladder was like. I'm eleven months clean now. They still check \
in every month.

So my honest summary: my GP surgery was a let down, the general drug service was useless for \
ketamine, urology was good once I got there, and the specialist clinic was brilliant. But it \
took two years from the first blood to getting proper help, and I think most of that delay was \
because nobody at the front door knew what ketamine does. If the specialist service hadn't \
existed I don't know where I'd be.

Looking back, the thing that would have helped most was someone at the first appointment \
knowing what questions to ask. I had every symptom in the textbook, bleeding, frequency, pain, \
and I was 27 and clearly not well. A five minute conversation could have saved me a year.

I've since started volunteering at the clinic's peer group once a month, mostly to tell newer \
people that the waiting is worth it, and that there are people out there who get it.""",
    ),
    "awareness_story": (
        (
            "public",
            "clinicians",
            "more_education",
            "educators",
            "peers",
            "shame",
            "judged",
            "criminalisation",
            "policy_change",
            "more_research",
            "bladder",
            "abdominal_pain",
        ),
        """So much. I'll try to put it in some kind of order.

First, that it is addictive. Properly, physically addictive. Most people I meet still think \
ketamine is a horse tranquiliser that makes you fall over at festivals, something funny, a \
phase. The public has no idea that people are using it daily for years, or what it does to your \
body.

Second, that doctors don't know. I have had to explain ketamine bladder to GPs, to A&E staff, to \
a locum who thought I was making it up. When you are in agony and the person meant to help you \
is googling the drug you took, it does something to your trust. I have sat in A&E with K \
cramps, curled up on a trolley, and been asked three times if I was just after pain relief. \
Medical schools need to teach this. It should be as standard as knowing what alcohol does \
to a liver.

Third, schools and parents. When I was at school our drug education was a police officer \
showing us photos of heroin users. Nobody mentioned ketamine once. Teachers I've spoken to since \
have no clue that kids in year 10 are doing it. My younger cousin's school still thinks of it as \
a "festival thing".

Fourth, the people you use with. In my group nobody talked about bladders or cramps. If someone \
was in the toilet every ten minutes it was a joke. We all thought it was the safe option \
compared to coke. My friends still think that. Some of them are starting to get symptoms now \
and they don't connect it.

Fifth, the shame. I hid it from everyone for years, partly because of the stigma and partly \
because I was ashamed of what I'd done to my own body at 26. When I finally told my family, my \
uncle called me a junkie. The way people look at you changes. Being judged like that keeps \
people quiet and away from help.

Sixth, the law. The fear of a criminal record kept me from telling my GP for a long time. \
Criminalising people who are already ill doesn't stop anyone using, it just stops them asking \
for help. I think it should be treated as a health issue, with proper funding for ketamine \
services instead of arrests.

And last, research. There is so little research on treatment for ketamine addiction \
specifically. We need studies on what actually works, for the bladder and for the cravings, and \
proper awareness campaigns aimed at young people before they start, not after.

Seventh, recovery happens. I've been clean \
for a year and a half now. My bladder will never be what it was, but I have a job, a partner, \
and a life that isn't organised around the next bag. It would happen a lot more often if the \
first doctor, teacher or friend you spoke to knew what they were looking at.

If you are a parent reading this, please don't wait for \
your kid to bring it up. Ask them what they know about it, and listen without panicking.

And for anyone in the media: please stop calling it a horse tranquiliser in every headline. It \
makes it sound like a joke, and it makes people like me feel like a punchline.

I'm not writing this to scare anyone. I'm writing it because I wish someone had told me.""",
    ),
    "harms_slang": (
        (
            "first_use_recreational",
            "tolerance_escalation",
            "bladder",
            "abdominal_pain",
            "anxiety",
            "low_mood",
            "cravings",
            "other_physical",
            "irritability",
        ),
        """where do i even start with this. been on ket 6 yrs, started recreational at raves \
when i was 19 and by 23 i was doing an eighth a day easy. i dont think anyone around me noticed \
bc we were all on it

physical stuff first. k bladder. i was pissing every 10 mins at one point, blood in it, pain \
like nothing else. i actually pissed myself on a bus once and had to get off and walk home in \
the rain. i still think about that. urologist says my bladder is 'contracted' whatever that \
means, its about a third the size it should be. they want to do a hydrodistension which sounds \
grim

k cramps. the worst pain ive ever had and ive broken my leg. you cant stand you cant lie down \
you just rock and sweat. i used to keep a hot water bottle and a bag in the same drawer, thats \
how normal it was. they come in waves, sometimes for hours

my head is a mess too. anxeity every day, proper panic attacks in shops, i cant do queues \
anymore. i get really low after a binge, like days of nothing, cant get out of bed, dont wash. i \
had a spell last winter where i really didnt want to be here and my sister came and stayed with \
me. i'm not ashamed to say that anymore

cravins are mad. i can be fine for a week and then out of nowhere its all i can think about, \
like an itch in my brain. the urge to use is strongest in the evening when its quiet and \
everyone else is asleep

kidneys are ok for now which is something, they scanned them in \
march. liver bloods were a bit off tho. lost about a stone and a half without trying

sleep is wrecked. between getting up to piss and the cramps i get maybe 4 hours a night. i used \
to sleep like a baby

the weird thing is how normal it all felt at the time. everyone i knew was on it, we'd joke \
about k bladder like it was a badge. one of my mates has a catheter now at 27 and he still uses

my mum found out last year because she found a bag in my coat. she cried for like an hour. that \
was worse than any of the physical stuff honestly

memory is shot. i forget what i went into a room for, i forget people's names, i forget whole \
conversations. my partner says i repeat the same stories constantly and i believe her

short tempered too. i snap at my partner over nothing and then feel awful. i never used to be \
like that, i was the calm one in my family

work wise i lost two jobs in a row. first one i was late every day, second \
one i was in the toilet so much my manager asked if i had a medical condition and i just said \
ibs. i think she knew. i work in a warehouse now on nights which suits me because nobody asks \
questions and the toilets are close

money is the other thing nobody mentions. i worked it out once and it was over 20k across the \
six years. thats a deposit on a flat. i try not to think about it too much

anyway. i quit k.
well i'm trying to. day 23 today 🙏

if i could tell 19 yr old me one thing it would be that the k cramps and the bladder stuff are \
not a rumour, they happen to normal people who just use a lot, and by the time you notice its \
already done damage""",
    ),
}


def long_answer(story: str) -> tuple[str, set[str]]:
    """One of the very long answers (3,000+ characters, several paragraphs)."""
    codes, text = LONG_ANSWERS[story]
    return text, set(codes)


def generate(seed: int = SEED) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """All rows of the survey plus the generator's intended codes per answer."""
    rng = random.Random(seed)
    respondents = [Respondent(rng, i) for i in range(1, N_RESPONDENTS + 1)]
    # Four respondents give one very long answer each (the treatment story needs a seeker).
    seeker = next(r for r in respondents[80:] if r.sought)
    long_slots = {
        respondents[17].id: ("q1_harms", "harms_story"),
        seeker.id: ("q2_treatment", "treatment_story"),
        respondents[141].id: ("q3_awareness", "awareness_story"),
        respondents[230].id: ("q1_harms", "harms_slang"),
    }
    # The headline figures are drawn as quotas, not coin flips, so they stay close to the
    # survey's whatever the other draws do: who has bladder problems, and how treatment went.
    ids = [r.id for r in respondents]
    with_bladder = set(rng.sample(ids, round(BLADDER_SHARE * len(ids))))
    seekers = [r.id for r in respondents if r.sought]
    rng.shuffle(seekers)
    n_sat = round(OUTCOMES["satisfied"] * len(seekers))
    n_dis = round(OUTCOMES["dissatisfied"] * len(seekers))
    outcome = {rid: "satisfied" for rid in seekers[:n_sat]}
    outcome.update({rid: "dissatisfied" for rid in seekers[n_sat : n_sat + n_dis]})
    rows: list[dict[str, str]] = []
    truth: list[dict[str, str]] = []
    for r in respondents:
        q1_codes = [c for c in choose(rng, Q1_CODES) if c != "bladder"]
        if r.id in with_bladder:
            q1_codes.insert(0, "bladder")
        # How they first used (only some say).
        u = rng.random()
        if u < 0.16:
            q1_codes.append("first_use_recreational")
        elif u < 0.21:
            q1_codes.append("first_use_prescribed")
        q3_codes = choose(rng, Q3_CODES)
        latent: dict[str, object] = {c: c in q1_codes for c in Q1_CODES}
        latent.update({c: c in q3_codes for c in Q3_CODES})
        latent["outcome"] = outcome.get(r.id, "mixed")
        answers: dict[str, tuple[str, set[str]]] = {
            "q1_harms": answer_q1(r, q1_codes),
            "q2_treatment": answer_q2(r, latent),
            "q3_awareness": answer_q3(r, q3_codes, latent),
        }
        if r.id in long_slots:
            q, story = long_slots[r.id]
            answers[q] = long_answer(story)
        else:
            for q in QUESTIONS:
                if rng.random() < 0.07:
                    answers[q] = ("", set())
        rows.append(
            {
                "respondent_id": r.id,
                "region": r.region,
                "age_band": r.age_band,
                "sought_treatment": "yes" if r.sought else "no",
                **{q: answers[q][0] for q in QUESTIONS},
            }
        )
        for q in QUESTIONS:
            truth.append(
                {
                    "respondent_id": r.id,
                    "question": q,
                    "codes": ";".join(sorted(answers[q][1])),
                }
            )
    return rows, truth


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """Write rows as UTF-8 CSV (atomically: temp file, then rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def main() -> None:
    """Command line: write the survey (and optionally the intended codes)."""
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=here / "ketamine_survey.csv")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--truth", type=Path, help="also write the intended codes per answer")
    args = parser.parse_args()
    rows, truth = generate(args.seed)
    write_csv(args.output, rows)
    if args.truth:
        write_csv(args.truth, truth)
    print(f"wrote {len(rows)} respondents to {args.output}")


if __name__ == "__main__":
    main()
