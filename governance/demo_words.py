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
        ),
        "okay": (
            "Mostly. Sometimes the shouting from upstairs scares me",
            "I dont like it when people I dont know come in the front door",
            "ok but the back gate doesnt shut properly",
        ),
        "bad": (
            "I get scared at night when it is new staff I have never met",
            "Someone keeps coming in my room and taking my things",
            "I do not feel safe when the alarm goes off and nobody comes",
        ),
    },
    "being_heard": {
        "good": (
            "Sam always listens to me and writes it down",
            "They asked me what I wanted at my review and they did it",
            "When I said I wanted a bath not a shower they changed it",
        ),
        "okay": (
            "Some staff listen. Some just say in a minute and dont come back",
            "They listen but nothing happens after",
            "I told them about my radiator weeks ago",
        ),
        "bad": (
            "Nobody listens to me. They talk to each other over my head",
            "I said I was in pain and they said I was being silly",
            "I asked three times to see the manager and I still havent",
        ),
    },
    "dignity_respect": {
        "good": (
            "they knock on my door before they come in",
            "Staff are kind to me and call me by my name",
            "Lisa helped me do my nails for the party, she is lovely",
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
        ),
    },
    "staff_consistency": {
        "good": (
            "I have the same staff most days and I know them",
            "I like Tom, he is on every Tuesday and we go swimming",
            "The staff know how I like things done",
        ),
        "okay": (
            "Lots of new faces lately but they are alright",
            "I never know who is coming in the morning",
            "The agency ones dont know my routine but they try",
        ),
        "bad": (
            "Different staff every day. I have to explain everything again",
            "There was only one staff on last night for all of us",
            "They are always rushing. Nobody has time to sit with me any more",
            "I waited ages for someone to help me get up this morning",
            "I don't know the names of half the staff now, they keep changing",
        ),
    },
    "choice_control": {
        "good": (
            "I choose my own clothes and what time I go to bed",
            "I decide what I do at the weekend",
            "I picked the colour for my bedroom walls",
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
        ),
    },
    "activities_community": {
        "good": (
            "Bowling on Thursday was brilliant",
            "I love my gardening group at the allotment",
            "We went to the seaside and I had chips",
            "I go to college on Mondays and Wednesdays now",
        ),
        "okay": (
            "There are some things to do but I get bored in the afternoons",
            "its ok, mostly telly",
            "I liked art club but it has stopped",
        ),
        "bad": (
            "There is nothing to do. I just sit in my room",
            "We never go out any more because there is no driver",
            "Bored. Every day is the same",
            "I used to go to the disco on Fridays but nobody takes me now",
        ),
    },
    "relationships": {
        "good": (
            "My sister comes every Sunday and we have cake",
            "I video call my mum on the tablet, I like that",
            "Me and Dave are best friends, we watch football",
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
        ),
    },
    "food_drink": {
        "good": (
            "The Sunday roast is lovely",
            "I helped make the pizza tonight!",
            "I like that I can have toast whenever I want",
        ),
        "okay": (
            "Food is ok. Too much pasta",
            "Its fine but I would like more fruit",
            "sometimes nice sometimes not",
        ),
        "bad": (
            "The food is cold by the time it gets to me",
            "Same sandwiches every day",
            "Tea was late again and I was really hungry",
            "I asked for something without gravy and got gravy again",
            "they ran out of milk twice this week",
        ),
    },
    "home_environment": {
        "good": (
            "I love my room, it has all my posters",
            "The garden is nice now the weather is better",
            "My new bed is comfy",
        ),
        "okay": (
            "The bathroom is a bit cold",
            "Its a bit noisy at night but ok",
            "The lounge needs new chairs",
        ),
        "bad": (
            "My window has been broken for weeks",
            "The shower is broken again so I cant have a wash properly",
            "It smells in the corridor",
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
        "good": ("Mum feels safe there and so do we. Thank you all.",),
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
        ),
        "okay": ("Most staff are lovely but a couple talk over him.",),
        "bad": ("Dad was in someone else's clothes again when I visited. It upsets him.",),
    },
    "staff_consistency": {
        "good": ("It helps that she has the same key worker, Priya knows her so well.",),
        "okay": (
            "There seem to be a lot of agency staff at weekends.",
            "Lovely staff but they change so often it's hard to keep track.",
        ),
        "bad": (
            "Every time I visit there's someone new who doesn't know Mum's routine.",
            "Staffing seems very thin. Mum waited an hour for help to the toilet on Sunday.",
            "The staff are clearly stretched. Nobody had time to stop and talk to me.",
            "Since the summer it's mostly agency staff and he has gone very quiet.",
        ),
    },
    "choice_control": {
        "good": ("She chooses her own outings now and seems so much more confident.",),
        "okay": ("I'd like him to have more say in his weekly plan.",),
        "bad": ("It feels like the routine is built around the rota, not around my brother.",),
    },
    "activities_community": {
        "good": (
            "He loved the trip to the farm. Lovely to see the photos.",
            "The new Thursday music group is great, she sings all the way home.",
        ),
        "okay": ("Activities are hit and miss, depends who is on shift.",),
        "bad": (
            "Every time I visit he's in front of the TV. He used to love getting out.",
            "The outings have stopped since the minibus went. He's really missing them.",
        ),
    },
    "relationships": {
        "good": ("Thank you for helping Mum video call us every week.",),
        "okay": ("Visiting is fine but it would be nice to have somewhere private to sit.",),
        "bad": ("It's hard to get through on the phone so we speak to her much less.",),
    },
    "food_drink": {
        "good": ("Mum has put a bit of weight back on, the food must be good!",),
        "okay": ("Food looks fine but he needs reminding to drink.",),
        "bad": (
            "Dad says the meals are often cold and there isn't much choice any more.",
            "When I visited at lunchtime there was no soft option for Mum.",
            "Several times there's been no drink left within her reach.",
        ),
    },
    "home_environment": {
        "good": ("Her room always looks clean and homely.",),
        "okay": ("The lounge is looking a bit tired.",),
        "bad": ("The lift was out of order for a fortnight and Dad couldn't get downstairs.",),
    },
    "communication": {
        "good": ("The manager phoned me the same day to explain. Really appreciated.",),
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
