"""The demo's words: what people and their families write, by theme and by how things are.

Written as people write in a check-in (short, plain, sometimes without
capitals or full stops), not as a template with the nouns swapped. "person"
words are the person's own (alone or with staff helping them type); "family"
words are a relative's, about the person. Each text is about its theme, so
the demo can tag it by its theme where the trained tagger is not at hand.
"""

from __future__ import annotations

from typing import Literal

Tone = Literal["good", "okay", "bad"]
Voice = Literal["person", "family"]

# theme -> tone -> texts, in the person's own words.
PERSON: dict[str, dict[Tone, tuple[str, ...]]] = {
    "safety": {
        "good": (
            "I feel safe here. The staff check on me at night",
            "yes safe. I lock my door when I want to",
            "I like that someone is always around if I need them",
            "My keyworker helps me feel safe when I go to town",
            "Its calm here. I sleep well",
        ),
        "okay": (
            "Mostly. Sometimes the shouting from upstairs scares me",
            "I dont like it when people I dont know come in the front door",
            "ok but the back gate doesnt shut properly",
            "I'm ok in the day. At night I dont like the noises",
        ),
        "bad": (
            "I get scared at night when it is new staff I have never met",
            "Someone keeps coming in my room and taking my things",
            "I do not feel safe when the alarm goes off and nobody comes",
            "A man I don't know keeps knocking on my door at night",
        ),
    },
    "being_heard": {
        "good": (
            "Sam always listens to me and writes it down",
            "They asked me what I wanted at my review and they did it",
            "When I said I wanted a bath not a shower they changed it",
            "Jo sat with me and we did my plan together. I said what I want",
        ),
        "okay": (
            "Some staff listen. Some just say in a minute and dont come back",
            "They listen but nothing happens after",
            "I told them about my radiator weeks ago",
            "They say yes but then forget",
        ),
        "bad": (
            "Nobody listens to me. They talk to each other over my head",
            "I said I was in pain and they said I was being silly",
            "I asked three times to see the manager and I still havent",
            "I said I didn't want to move rooms and they moved me anyway",
        ),
    },
    "dignity_respect": {
        "good": (
            "they knock on my door before they come in",
            "Staff are kind to me and call me by my name",
            "Lisa helped me do my nails for the party, she is lovely",
            "They let me do my own shave and just help with the back",
            "Staff are good to me. They have a laugh with me",
        ),
        "okay": (
            "Most are nice. One talks to me like I am a child",
            "They are kind but they are always in a rush",
            "I dont like being helped to eat in front of everyone",
        ),
        "bad": (
            "one of them rolled her eyes at me when I asked for help",
            "They talk about me in front of me like I'm not there",
            "I was left in the lounge in my dressing gown when visitors came",
            "they leave the bathroom door open when they help me",
        ),
    },
    "staff_consistency": {
        "good": (
            "I have the same staff most days and I know them",
            "I like Tom, he is on every Tuesday and we go swimming",
            "The staff know how I like things done",
            "My staff are the best. Me and Kev go to the football",
        ),
        "okay": (
            "Lots of new faces lately but they are alright",
            "I never know who is coming in the morning",
            "The agency ones dont know my routine but they try",
            "New girl is nice but she didnt know I dont eat pork",
            "Its ok when Sue is on. Weekends are harder",
        ),
        "bad": (
            "Different staff every day. I have to explain everything again",
            "There was only one staff on last night for all of us",
            "They are always rushing. Nobody has time to sit with me any more",
            "I waited ages for someone to help me get up this morning",
            "I don't know the names of half the staff now, they keep changing",
            "Night staff keep changing and they dont know I need my light on",
            "I had to show the new man how to work my hoist",
            "Staff are too busy. They say wait wait wait",
            "My key worker left and nobody told me who my new one is",
        ),
    },
    "choice_control": {
        "good": (
            "I choose my own clothes and what time I go to bed",
            "I decide what I do at the weekend",
            "I picked the colour for my bedroom walls",
            "I chose to have my hair purple!",
            "I can have a lie in on Saturday, I like that",
        ),
        "okay": (
            "I can choose mostly but bedtime is always 10",
            "I want to do my own shopping but they say there is no one to take me",
            "Sometimes I get a say",
        ),
        "bad": (
            "They decide everything for me",
            "I am not allowed to make a cup of tea on my own",
            "I wanted to go to church on Sunday but they said no staff",
            "I have to go to bed when the night staff come on",
        ),
    },
    "activities_community": {
        "good": (
            "Bowling on Thursday was brilliant",
            "I love my gardening group at the allotment",
            "We went to the seaside and I had chips",
            "I go to college on Mondays and Wednesdays now",
            "I've started at the cafe on Fridays, I do the till",
            "Swimming is my favourite, we go every week",
        ),
        "okay": (
            "There are some things to do but I get bored in the afternoons",
            "its ok, mostly telly",
            "I liked art club but it has stopped",
            "I go to the day centre but I want to do something different",
        ),
        "bad": (
            "There is nothing to do. I just sit in my room",
            "We never go out any more because there is no driver",
            "Bored. Every day is the same",
            "I used to go to the disco on Fridays but nobody takes me now",
            "the minibus is broken so we cant go anywhere",
            "I just watch telly all afternoon",
        ),
    },
    "relationships": {
        "good": (
            "My sister comes every Sunday and we have cake",
            "I video call my mum on the tablet, I like that",
            "Me and Dave are best friends, we watch football",
            "I went to my cousin's wedding and danced all night",
        ),
        "okay": (
            "I see my brother sometimes but he lives far away",
            "I would like to phone my nan more",
            "Visiting times are a bit short",
        ),
        "bad": (
            "I have not seen my dad for months",
            "My friend moved out and I miss her",
            "Nobody helps me ring my family",
            "I want a girlfriend but staff say not yet",
        ),
    },
    "food_drink": {
        "good": (
            "The Sunday roast is lovely",
            "I helped make the pizza tonight!",
            "I like that I can have toast whenever I want",
            "I made shepherds pie with Anna, it was good",
            "Fish and chips Friday is the best",
        ),
        "okay": (
            "Food is ok. Too much pasta",
            "Its fine but I would like more fruit",
            "sometimes nice sometimes not",
            "Dinner is fine but breakfast is always the same cereal",
        ),
        "bad": (
            "The food is cold by the time it gets to me",
            "Same sandwiches every day",
            "Tea was late again and I was really hungry",
            "I asked for something without gravy and got gravy again",
            "they ran out of milk twice this week",
            "There was no hot food on Saturday, just sandwiches",
            "I don't get a choice. It's whatever they cook",
            "the potatoes were hard and the meat was cold",
        ),
    },
    "home_environment": {
        "good": (
            "I love my room, it has all my posters",
            "The garden is nice now the weather is better",
            "My new bed is comfy",
            "They fixed my shower, its lovely and hot now",
        ),
        "okay": (
            "The bathroom is a bit cold",
            "Its a bit noisy at night but ok",
            "The lounge needs new chairs",
            "The kitchen is always busy when I want to use it",
        ),
        "bad": (
            "My window has been broken for weeks",
            "The shower is broken again so I cant have a wash properly",
            "It smells in the corridor",
            "The heating doesnt work in my room and I'm freezing",
        ),
    },
    "health_wellbeing": {
        "good": (
            "I feel happy at the moment",
            "I am sleeping better since my new tablets",
        ),
        "okay": (
            "Bit tired lately",
            "My knee hurts when I go upstairs",
        ),
        "bad": (
            "I feel lonely a lot",
            "I had toothache for a week before anyone took me to the dentist",
        ),
    },
    "communication": {
        "good": (
            "They told me what was happening and showed me a picture",
            "Staff explained it to me slowly",
        ),
        "okay": (
            "I sort of understood",
            "They told me a bit but not everything",
        ),
        "bad": (
            "Nobody told me anything",
            "I didnt understand the letter and no one read it with me",
        ),
    },
    "incident_aftercare": {
        "good": (
            "The manager came to see me after and said sorry",
            "I am ok now. They put a mat by my bed",
        ),
        "okay": (
            "I am alright but still a bit shaky",
            "I want to know if it will happen again",
        ),
        "bad": (
            "I still dont know what happened",
            "Nobody came to ask if I was ok after",
        ),
    },
}

# theme -> tone -> texts, as a relative or friend writes about the person.
FAMILY: dict[str, dict[Tone, tuple[str, ...]]] = {
    "safety": {
        "good": (
            "Mum feels safe there and so do we. Thank you all.",
            "We have peace of mind knowing he's looked after at night.",
        ),
        "okay": ("He is safe but the front door was left open when I arrived on Saturday.",),
        "bad": ("I worry at night. When I rang at 11pm nobody answered the phone for 20 minutes.",),
    },
    "being_heard": {
        "good": (
            "The team always ring me back and take what I say seriously.",
            "At the last review they really listened to what Jack wanted.",
        ),
        "okay": (
            "I raised the laundry going missing in March and I'm still waiting for an answer.",
            "The team are friendly but I'm not always sure my comments get passed on.",
        ),
        "bad": (
            "I have emailed the manager twice about Dad's teeth and had no reply.",
            "When I raise anything I feel like I'm being a nuisance.",
        ),
    },
    "dignity_respect": {
        "good": (
            "Staff treat my sister with real warmth. She always has her hair done nicely.",
            "They speak to Mum like a person, not a patient. It makes a big difference.",
            "Dad always looks smart and clean when we visit. Thank you.",
        ),
        "okay": ("Most staff are lovely but a couple talk over him.",),
        "bad": ("Dad was in someone else's clothes again when I visited. It upsets him.",),
    },
    "staff_consistency": {
        "good": (
            "It helps that she has the same key worker, Priya knows her so well.",
            "The regular team really know him, he lights up when they come in.",
        ),
        "okay": (
            "There seem to be a lot of agency staff at weekends.",
            "Lovely staff but they change so often it's hard to keep track.",
        ),
        "bad": (
            "Every time I visit there's someone new who doesn't know Mum's routine.",
            "Staffing seems very thin. Mum waited an hour for help to the toilet on Sunday.",
            "The staff are clearly stretched. Nobody had time to stop and talk to me.",
            "Since the summer it's mostly agency staff and he has gone very quiet.",
            "I counted five different carers in one week. It's very unsettling for her.",
            "Nobody on shift knew about his hospital appointment.",
        ),
    },
    "choice_control": {
        "good": (
            "She chooses her own outings now and seems so much more confident.",
            "Lovely that they asked Mum what she wanted for her birthday outing.",
        ),
        "okay": ("I'd like him to have more say in his weekly plan.",),
        "bad": ("It feels like the routine is built around the rota, not around my brother.",),
    },
    "activities_community": {
        "good": (
            "He loved the trip to the farm. Lovely to see the photos.",
            "The new Thursday music group is great, she sings all the way home.",
        ),
        "okay": (
            "Activities are hit and miss, depends who is on shift.",
            "He enjoys the garden club but there's not much at weekends.",
        ),
        "bad": (
            "Every time I visit he's in front of the TV. He used to love getting out.",
            "The outings have stopped since the minibus went. He's really missing them.",
        ),
    },
    "relationships": {
        "good": (
            "Thank you for helping Mum video call us every week.",
            "They always make us feel welcome and put the kettle on.",
        ),
        "okay": ("Visiting is fine but it would be nice to have somewhere private to sit.",),
        "bad": ("It's hard to get through on the phone so we speak to her much less.",),
    },
    "food_drink": {
        "good": (
            "Mum has put a bit of weight back on, the food must be good!",
            "She's really enjoying the baking sessions.",
        ),
        "okay": ("Food looks fine but he needs reminding to drink.",),
        "bad": (
            "Dad says the meals are often cold and there isn't much choice any more.",
            "When I visited at lunchtime there was no soft option for Mum.",
            "Several times there's been no drink left within her reach.",
            "Mum's lunch was left on the side and had gone cold by the time anyone helped her.",
        ),
    },
    "home_environment": {
        "good": ("Her room always looks clean and homely.",),
        "okay": (
            "The lounge is looking a bit tired.",
            "The room is fine but the window doesn't open, it gets very stuffy.",
        ),
        "bad": (
            "The lift was out of order for a fortnight and Dad couldn't get downstairs.",
            "The carpet in the hallway has been stained for months.",
        ),
    },
    "communication": {
        "good": (
            "The manager phoned me the same day to explain. Really appreciated.",
            "The monthly newsletter is really helpful.",
        ),
        "okay": ("We found out a few days later, would have liked a call sooner.",),
        "bad": ("Nobody told us about his fall until we saw the bruise.",),
    },
    "incident_aftercare": {
        "good": ("We were kept informed all the way through, thank you.",),
        "okay": ("Mum is settled again but I'd like to know what is being changed.",),
        "bad": ("We still haven't heard what the outcome was.",),
    },
}

# Words that may disclose harm, with the Care Act category a lead would raise.
CONCERNS: tuple[tuple[str, str, Voice], ...] = (
    ("One of the night staff shouted at me and called me stupid", "psychological", "person"),
    ("Money keeps going missing from my purse in my room", "financial", "person"),
    ("Mum had bruises on her arm and nobody could tell me how", "physical", "family"),
    ("I was left in a wet bed all night and no one came when I pressed", "neglect", "person"),
    ("He told me another resident hits him when staff aren't looking", "physical", "family"),
)

# Incidents: type, a short non-clinical summary, and whether the duty of candour applies.
INCIDENTS: tuple[tuple[str, str, bool], ...] = (
    ("fall", "Found on the bedroom floor at night; checked by staff, no injury seen.", False),
    ("medication", "Evening tablets given two hours late because of a staff shortage.", True),
    ("injury", "Bruised hand caught in the kitchen door; first aid given.", False),
    ("distressed_behaviour", "Upset and shouting after a change to the day's plan.", False),
)

# What people write when asked what they would change and they are happy as things are.
CONTENT: tuple[str, ...] = (
    "nothing really, I'm happy",
    "dont know",
    "Nothing. I like it here",
    "no i am ok thank you",
)


def words_for(theme: str, tone: Tone, voice: Voice) -> tuple[str, ...]:
    """The texts on a theme in a tone and voice; none when the bank has none."""
    bank = FAMILY if voice == "family" else PERSON
    return bank.get(theme, {}).get(tone, ())


def every_text() -> dict[str, str]:
    """Each text in the bank and the theme it is about."""
    themed = {
        text: theme
        for bank in (PERSON, FAMILY)
        for theme, tones in bank.items()
        for texts in tones.values()
        for text in texts
    }
    return themed | {text: "" for text in CONTENT}


def as_typed(text: str, voice: Voice, draw: float) -> str:
    """The text as one person types it on the day: capitals and full stops come and go.

    ``draw`` is a random number in [0, 1), so the same words are not always typed alike.
    """
    if voice == "family":
        return text + " Thanks" if draw < 0.1 and text.endswith(".") else text
    if draw < 0.25:
        text = text[:1].lower() + text[1:]
    if 0.15 < draw < 0.55:
        text = text.rstrip(".")
    return text
