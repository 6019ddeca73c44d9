"""A small hand-written retrieval set for L2 memory: 20 topics x 3 passages, 20 queries.

Each query targets one passage; the other two passages of its topic are hard negatives (same
subject, different fact). Written for these tests; not taken from any dataset.
"""

from __future__ import annotations

# topic -> three passages; QUERIES point at (topic, index).
PASSAGES: dict[str, list[str]] = {
    "coffee": [
        "Maria drinks her coffee black with no sugar, usually a double espresso after lunch.",
        "Maria is trying to cut down on caffeine and switches to decaf after 4 pm.",
        "Maria bought a manual burr grinder and a pour-over kettle for her kitchen last month.",
    ],
    "dog": [
        "The user's dog is a three-year-old border collie named Pepper.",
        "Pepper needs a long walk every morning or she chews the sofa cushions.",
        "The vet said Pepper is allergic to chicken, so she eats a salmon-based kibble.",
    ],
    "travel": [
        "Next spring the user is flying to Kyoto to see the cherry blossoms.",
        "The user hates long layovers and always books direct flights even if they cost more.",
        "The user's passport expires in August and needs to be renewed before any trip abroad.",
    ],
    "work": [
        "The user works as a backend engineer at a logistics startup, mostly writing Go.",
        "The user's team has an on-call rotation and their next on-call week starts on the 14th.",
        "The user is preparing for a promotion review to senior engineer in the autumn.",
    ],
    "health": [
        "The user has a penicillin allergy that causes hives.",
        "The user sprained their left ankle playing football and is doing physiotherapy twice a week.",
        "The user takes a vitamin D supplement every winter on their doctor's advice.",
    ],
    "diet": [
        "The user has been vegetarian for six years but still eats eggs and cheese.",
        "The user cannot digest lactose and uses oat milk instead of cow's milk.",
        "The user is counting calories and aims for about 2,000 per day while training.",
    ],
    "music": [
        "The user plays the cello in a community orchestra on Thursday evenings.",
        "The user's favourite band is Radiohead and they saw them live in 2017.",
        "The user is learning jazz piano from online lessons and practising scales daily.",
    ],
    "family": [
        "The user's sister Elena lives in Lisbon and has two small children.",
        "The user's father is recovering from knee surgery and needs help with groceries.",
        "The user's parents celebrate their 40th wedding anniversary in June.",
    ],
    "finance": [
        "The user is saving for a deposit on a flat and puts 500 euros aside each month.",
        "The user pays off the credit card in full every month to avoid interest.",
        "The user invests in a low-cost global index fund through their pension plan.",
    ],
    "car": [
        "The user drives a 2015 Toyota Corolla hybrid.",
        "The car's annual inspection is due at the end of March.",
        "The user is thinking about selling the car and relying on cycling and trains.",
    ],
    "language": [
        "The user is learning Japanese and has passed the JLPT N4 exam.",
        "The user prefers replies in Italian when the topic is personal.",
        "The user grew up bilingual in Spanish and English.",
    ],
    "home": [
        "The user rents a two-bedroom apartment on the fourth floor without a lift.",
        "The heating in the user's apartment breaks often and the landlord is slow to repair it.",
        "The user grows tomatoes and basil on their balcony in summer.",
    ],
    "sleep": [
        "The user has trouble falling asleep and is trying to stop using screens after 10 pm.",
        "The user usually wakes up at 6 am to go running before work.",
        "The user snores and their partner suggested seeing a sleep specialist.",
    ],
    "reading": [
        "The user's favourite novel is One Hundred Years of Solitude.",
        "The user is in a book club that meets on the first Sunday of every month.",
        "The user prefers audiobooks during the commute and paper books at home.",
    ],
    "sport": [
        "The user is training for a half marathon in October and runs four times a week.",
        "The user supports Liverpool and never misses a Champions League match.",
        "The user goes bouldering at the climbing gym on Tuesday nights.",
    ],
    "tech": [
        "The user's laptop is a ThinkPad running Fedora Linux.",
        "The user's phone screen is cracked and they plan to replace the phone soon.",
        "The user self-hosts a Nextcloud server on a Raspberry Pi for family photos.",
    ],
    "education": [
        "The user is doing a part-time master's degree in data science, finishing next year.",
        "The user's thesis is about forecasting electricity demand with weather data.",
        "The user studied philosophy as an undergraduate.",
    ],
    "pets_cat": [
        "The user also has an elderly cat called Miso who is diabetic and needs insulin twice a day.",
        "Miso only eats wet food and refuses anything dry.",
        "The user's neighbour feeds Miso when the user is away.",
    ],
    "mood": [
        "The user said they feel anxious before presentations at work.",
        "The user finds that journaling in the evening helps them calm down.",
        "The user has been feeling lonely since moving to a new city.",
    ],
    "preferences_ai": [
        "The user wants short answers with bullet points rather than long paragraphs.",
        "The user does not want the assistant to use emojis.",
        "The user asked the assistant to always explain code changes step by step.",
    ],
}

# (query, topic, index of the relevant passage)
QUERIES: list[tuple[str, str, int]] = [
    ("How does Maria take her coffee?", "coffee", 0),
    ("What food can the dog not eat?", "dog", 2),
    ("Does the user mind connecting flights?", "travel", 1),
    ("Which programming language does the user use at their job?", "work", 0),
    ("Is the user allergic to any medication?", "health", 0),
    ("What milk should I suggest to the user?", "diet", 1),
    ("What instrument does the user play in an orchestra?", "music", 0),
    ("Who in the family just had an operation?", "family", 1),
    ("How much money does the user save every month?", "finance", 0),
    ("When does the car need its inspection?", "car", 1),
    ("Which language should I answer personal questions in?", "language", 1),
    ("What does the user grow on the balcony?", "home", 2),
    ("What time does the user get up in the morning?", "sleep", 1),
    ("When does the book club meet?", "reading", 1),
    ("What race is the user preparing for?", "sport", 0),
    ("What operating system is on the user's laptop?", "tech", 0),
    ("What is the topic of the user's thesis?", "education", 1),
    ("What medical treatment does the cat need?", "pets_cat", 0),
    ("What helps the user relax at night?", "mood", 1),
    ("How should the assistant format its answers?", "preferences_ai", 0),
]
