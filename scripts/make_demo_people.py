"""Generate the fictional demo households of Przystań (seeds/demo/households.json).

Run from the repository root:

    .venv/bin/python scripts/make_demo_people.py

The script rewrites ``seeds/demo/households.json`` and prints a short summary. It uses only the standard library
and one ``random.Random(2026)``, so every run produces the same file byte for byte.

Everyone in the file is invented: names are drawn at random from common Polish, Ukrainian, Belarusian, Syrian and
Georgian names (pairs that belong to well-known people are skipped), PESEL numbers are random but checksum-valid
and consistent with the birth date and sex, e-mail addresses use only example.pl / example.com, and phone numbers
are random numbers in the Polish mobile format.

The households (about 300) mirror the caseload of a municipal social welfare centre (OPS) in a Silesian city:
homeless men, single mothers, Ukrainian refugees (some recorded in Cyrillic), seniors, large families and a mix
of other situations. Incomes are net monthly złoty per person, set against the social-assistance criterion
(1010 zł single / 823 zł per person in a family) and 265% of it (2676.50 / 2180.95).
"""

from __future__ import annotations

import itertools
import json
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "seeds" / "demo" / "households.json"
SEED = 2026

TODAY = date(2026, 11, 15)
MIN_BIRTH = date(1934, 1, 1)
MAX_BIRTH = date(2026, 10, 31)
VERIFIED_FROM = date(2026, 1, 1)
VERIFIED_TO = date(2026, 11, 15)

CRITERION_SINGLE_CENTS = 101000  # 1010.00 zł
CRITERION_FAMILY_CENTS = 82300  # 823.00 zł per person
UPPER_PERCENT = 265  # 265% of the criterion: 2676.50 / 2180.95

CASE_WORKER = "caseworker"

REASONS = (
    "poverty", "orphanhood", "homelessness", "unemployment", "disability", "long_term_illness", "domestic_violence",
    "trafficking_victim", "maternity_protection", "large_family", "single_parent", "care_helplessness",
    "integration_difficulties", "prison_release", "addiction", "crisis_event", "natural_disaster",
)  # fmt: skip
RELATIONSHIPS = (
    "head", "spouse", "partner", "child", "parent", "sibling", "grandchild", "grandparent", "other_relative", "other",
)  # fmt: skip
LANGUAGES = ("pl", "uk", "en", "other")

# Category name -> number of households.
CATEGORY_COUNTS = {
    "homeless_man": 55,
    "single_mother": 40,
    "ukrainian": 60,
    "senior": 50,
    "large_family": 50,
    "mixed": 45,
}
CYRILLIC_HOUSEHOLDS = 20

# ---------------------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------------------

PL_MALE = {
    "old": [
        "Stanisław", "Józef", "Henryk", "Tadeusz", "Zbigniew", "Jerzy", "Czesław", "Ryszard", "Kazimierz", "Eugeniusz",
        "Zdzisław", "Jan", "Władysław", "Bogdan", "Edward", "Mieczysław", "Roman", "Wiesław", "Leszek", "Andrzej",
        "Marian", "Franciszek", "Alojzy", "Gerard", "Erwin", "Herbert", "Bolesław", "Jan", "Antoni", "Zygmunt",
    ],
    "mid": [
        "Krzysztof", "Tomasz", "Marek", "Piotr", "Paweł", "Grzegorz", "Dariusz", "Mariusz", "Robert", "Artur", "Rafał",
        "Adam", "Sławomir", "Jacek", "Wojciech", "Łukasz", "Marcin", "Michał", "Sebastian", "Damian", "Dawid",
        "Przemysław", "Radosław", "Waldemar", "Janusz", "Arkadiusz", "Zbigniew", "Andrzej", "Bartłomiej", "Kamil",
        "Ireneusz", "Jarosław", "Mirosław", "Grzegorz", "Daniel", "Norbert",
    ],
    "young": [
        "Jakub", "Kacper", "Mateusz", "Szymon", "Filip", "Bartosz", "Patryk", "Dawid", "Kamil", "Adrian", "Oskar",
        "Wiktor", "Igor", "Hubert", "Krystian", "Mikołaj", "Dominik", "Michał", "Konrad", "Łukasz", "Maciej", "Damian",
        "Sebastian", "Marcel",
    ],
    "kid": [
        "Antoni", "Jan", "Franciszek", "Aleksander", "Nikodem", "Szymon", "Stanisław", "Leon", "Ignacy", "Jakub",
        "Filip", "Mikołaj", "Tymon", "Wojciech", "Kacper", "Maksymilian", "Adam", "Oliwer", "Tymoteusz", "Józef",
        "Michał", "Bartosz", "Igor", "Wiktor", "Kajetan", "Borys", "Staś",
    ],
}  # fmt: skip
PL_FEMALE = {
    "old": [
        "Stanisława", "Janina", "Helena", "Krystyna", "Teresa", "Irena", "Danuta", "Halina", "Barbara", "Zofia",
        "Jadwiga", "Genowefa", "Leokadia", "Marianna", "Bożena", "Elżbieta", "Wanda", "Czesława", "Urszula", "Gertruda",
        "Elfryda", "Łucja", "Grażyna", "Maria", "Regina", "Anna", "Jolanta", "Alicja", "Róża",
    ],
    "mid": [
        "Małgorzata", "Agnieszka", "Joanna", "Beata", "Dorota", "Ewa", "Iwona", "Katarzyna", "Monika", "Renata",
        "Aneta", "Edyta", "Justyna", "Sylwia", "Magdalena", "Anna", "Marta", "Żaneta", "Karolina", "Paulina", "Kinga",
        "Izabela", "Aleksandra", "Natalia", "Patrycja", "Dominika", "Ilona", "Jolanta", "Mirosława", "Grażyna",
        "Bożena", "Agata", "Honorata", "Kamila", "Ewelina", "Marzena",
    ],
    "young": [
        "Julia", "Wiktoria", "Natalia", "Oliwia", "Zuzanna", "Weronika", "Martyna", "Klaudia", "Aleksandra", "Karolina",
        "Gabriela", "Amelia", "Nikola", "Emilia", "Paulina", "Dominika", "Daria", "Sandra", "Angelika", "Wiktoria",
        "Kinga", "Patrycja", "Jessica", "Roksana",
    ],
    "kid": [
        "Zofia", "Zuzanna", "Hanna", "Julia", "Maja", "Lena", "Alicja", "Laura", "Oliwia", "Pola", "Nadia", "Amelia",
        "Liliana", "Helena", "Antonina", "Jagoda", "Marcelina", "Lilianna", "Iga", "Emilia", "Nela", "Gabriela",
        "Blanka", "Michalina", "Wiktoria", "Klara", "Róża",
    ],
}  # fmt: skip

# (male form, female form)
PL_SURNAMES = [
    ("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("Wójcik", "Wójcik"),
    ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"),
    ("Jankowski", "Jankowska"), ("Mazur", "Mazur"), ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"),
    ("Piotrowski", "Piotrowska"), ("Grabowski", "Grabowska"), ("Nowakowski", "Nowakowska"), ("Pawłowski", "Pawłowska"),
    ("Michalski", "Michalska"), ("Nowicki", "Nowicka"), ("Adamczyk", "Adamczyk"), ("Dudek", "Dudek"),
    ("Zając", "Zając"), ("Wieczorek", "Wieczorek"), ("Jabłoński", "Jabłońska"), ("Król", "Król"),
    ("Majewski", "Majewska"), ("Olszewski", "Olszewska"), ("Jaworski", "Jaworska"), ("Wróbel", "Wróbel"),
    ("Malinowski", "Malinowska"), ("Pawlak", "Pawlak"), ("Witkowski", "Witkowska"), ("Walczak", "Walczak"),
    ("Stępień", "Stępień"), ("Górski", "Górska"), ("Rutkowski", "Rutkowska"), ("Michalak", "Michalak"),
    ("Sikora", "Sikora"), ("Ostrowski", "Ostrowska"), ("Baran", "Baran"), ("Szewczyk", "Szewczyk"),
    ("Tomaszewski", "Tomaszewska"), ("Pietrzak", "Pietrzak"), ("Marciniak", "Marciniak"), ("Wróblewski", "Wróblewska"),
    ("Zalewski", "Zalewska"), ("Jakubowski", "Jakubowska"), ("Jasiński", "Jasińska"), ("Zawadzki", "Zawadzka"),
    ("Sadowski", "Sadowska"), ("Bąk", "Bąk"), ("Chmielewski", "Chmielewska"), ("Włodarczyk", "Włodarczyk"),
    ("Borkowski", "Borkowska"), ("Czarnecki", "Czarnecka"), ("Sawicki", "Sawicka"), ("Sokołowski", "Sokołowska"),
    ("Urbański", "Urbańska"), ("Kubiak", "Kubiak"), ("Maciejewski", "Maciejewska"), ("Szczepański", "Szczepańska"),
    ("Kucharski", "Kucharska"), ("Wilk", "Wilk"), ("Kalinowski", "Kalinowska"), ("Lis", "Lis"), ("Mazurek", "Mazurek"),
    ("Wysocki", "Wysocka"), ("Adamski", "Adamska"), ("Kaźmierczak", "Kaźmierczak"), ("Wasilewski", "Wasilewska"),
    ("Sobczak", "Sobczak"), ("Czerwiński", "Czerwińska"), ("Andrzejewski", "Andrzejewska"), ("Cieślak", "Cieślak"),
    ("Głowacki", "Głowacka"), ("Zakrzewski", "Zakrzewska"), ("Kołodziej", "Kołodziej"), ("Sikorski", "Sikorska"),
    ("Krajewski", "Krajewska"), ("Gajewski", "Gajewska"), ("Szulc", "Szulc"), ("Szymczak", "Szymczak"),
    ("Baranowski", "Baranowska"), ("Laskowski", "Laskowska"), ("Brzeziński", "Brzezińska"), ("Makowski", "Makowska"),
    ("Ziółkowski", "Ziółkowska"), ("Przybylski", "Przybylska"), ("Gościński", "Gościńska"), ("Żak", "Żak"),
    ("Gałązka", "Gałązka"), ("Ślusarczyk", "Ślusarczyk"), ("Żmuda", "Żmuda"), ("Pietrzyk", "Pietrzyk"),
    ("Kowol", "Kowol"), ("Mrozek", "Mrozek"), ("Pyka", "Pyka"), ("Nowok", "Nowok"), ("Mainka", "Mainka"),
    ("Pawelczyk", "Pawelczyk"), ("Cebula", "Cebula"), ("Kocur", "Kocur"), ("Wycisk", "Wycisk"), ("Kuś", "Kuś"),
    ("Bednarz", "Bednarz"), ("Hajduk", "Hajduk"), ("Szołtysek", "Szołtysek"), ("Kurpas", "Kurpas"), ("Sojka", "Sojka"),
    ("Ziaja", "Ziaja"), ("Kandzia", "Kandzia"), ("Skrzypiec", "Skrzypiec"), ("Respondek", "Respondek"),
    ("Janik", "Janik"), ("Mura", "Mura"), ("Brzezina", "Brzezina"), ("Hanusik", "Hanusik"), ("Dyrda", "Dyrda"),
    ("Gruszka", "Gruszka"), ("Wesoły", "Wesoła"), ("Biały", "Biała"), ("Czarny", "Czarna"), ("Ślęzak", "Ślęzak"),
    ("Gwóźdź", "Gwóźdź"), ("Łukaszczyk", "Łukaszczyk"), ("Świerczek", "Świerczek"), ("Kępa", "Kępa"),
    ("Pałka", "Pałka"), ("Źrałek", "Źrałek"), ("Łata", "Łata"), ("Szczęsny", "Szczęsna"),
    ("Mikołajczyk", "Mikołajczyk"), ("Grzesik", "Grzesik"), ("Kraus", "Kraus"), ("Wolny", "Wolna"),
]  # fmt: skip

# (Latin as in the passport, Cyrillic)
UA_MALE = {
    "old": [
        ("Mykola", "Микола"), ("Vasyl", "Василь"), ("Petro", "Петро"), ("Ivan", "Іван"), ("Hryhorii", "Григорій"),
        ("Anatolii", "Анатолій"), ("Stepan", "Степан"), ("Mykhailo", "Михайло"), ("Leonid", "Леонід"),
        ("Valerii", "Валерій"), ("Borys", "Борис"), ("Volodymyr", "Володимир"), ("Viktor", "Віктор"), ("Yurii", "Юрій"),
        ("Oleksandr", "Олександр"), ("Fedir", "Федір"),
    ],
    "mid": [
        ("Mykola", "Микола"), ("Oleksandr", "Олександр"), ("Serhii", "Сергій"), ("Volodymyr", "Володимир"),
        ("Andrii", "Андрій"), ("Vasyl", "Василь"), ("Petro", "Петро"), ("Ivan", "Іван"), ("Yurii", "Юрій"),
        ("Dmytro", "Дмитро"), ("Oleh", "Олег"), ("Viktor", "Віктор"), ("Mykhailo", "Михайло"), ("Stepan", "Степан"),
        ("Roman", "Роман"), ("Ihor", "Ігор"), ("Vitalii", "Віталій"), ("Bohdan", "Богдан"), ("Taras", "Тарас"),
        ("Pavlo", "Павло"), ("Ruslan", "Руслан"),
    ],
    "kid": [
        ("Artem", "Артем"), ("Maksym", "Максим"), ("Matvii", "Матвій"), ("Mark", "Марк"), ("Oleksandr", "Олександр"),
        ("Danylo", "Данило"), ("Tymofii", "Тимофій"), ("Bohdan", "Богдан"), ("Nazar", "Назар"), ("Illia", "Ілля"),
        ("Yehor", "Єгор"), ("Denys", "Денис"), ("Kyrylo", "Кирило"), ("Davyd", "Давид"), ("Oleksii", "Олексій"),
        ("Vladyslav", "Владислав"), ("Dmytro", "Дмитро"),
    ],
}  # fmt: skip
UA_FEMALE = {
    "old": [
        ("Halyna", "Галина"), ("Liudmyla", "Людмила"), ("Valentyna", "Валентина"), ("Nadiia", "Надія"),
        ("Nina", "Ніна"), ("Tamara", "Тамара"), ("Hanna", "Ганна"), ("Mariia", "Марія"), ("Kateryna", "Катерина"),
        ("Olha", "Ольга"), ("Zinaida", "Зінаїда"), ("Raisa", "Раїса"), ("Lidiia", "Лідія"), ("Vira", "Віра"),
        ("Liubov", "Любов"), ("Antonina", "Антоніна"),
    ],
    "mid": [
        ("Olena", "Олена"), ("Oksana", "Оксана"), ("Iryna", "Ірина"), ("Nataliia", "Наталія"), ("Tetiana", "Тетяна"),
        ("Yuliia", "Юлія"), ("Kateryna", "Катерина"), ("Svitlana", "Світлана"), ("Halyna", "Галина"),
        ("Liudmyla", "Людмила"), ("Nadiia", "Надія"), ("Mariia", "Марія"), ("Viktoriia", "Вікторія"),
        ("Alina", "Аліна"), ("Khrystyna", "Христина"), ("Larysa", "Лариса"), ("Olha", "Ольга"),
        ("Yevheniia", "Євгенія"), ("Inna", "Інна"), ("Lesia", "Леся"), ("Hanna", "Ганна"), ("Liliia", "Лілія"),
        ("Anastasiia", "Анастасія"), ("Daryna", "Дарина"), ("Marharyta", "Маргарита"), ("Zoriana", "Зоряна"),
        ("Uliana", "Уляна"),
    ],
    "kid": [
        ("Sofiia", "Софія"), ("Anna", "Анна"), ("Mariia", "Марія"), ("Veronika", "Вероніка"), ("Zlata", "Злата"),
        ("Polina", "Поліна"), ("Myroslava", "Мирослава"), ("Anastasiia", "Анастасія"), ("Vasylyna", "Василина"),
        ("Yeva", "Єва"), ("Diana", "Діана"), ("Solomiia", "Соломія"), ("Kira", "Кіра"), ("Alisa", "Аліса"),
        ("Emiliia", "Емілія"), ("Daryna", "Дарина"), ("Milana", "Мілана"),
    ],
}  # fmt: skip
# (Latin male, Latin female, Cyrillic male, Cyrillic female)
UA_SURNAMES = [
    ("Kovalchuk", "Kovalchuk", "Ковальчук", "Ковальчук"), ("Shevchenko", "Shevchenko", "Шевченко", "Шевченко"),
    ("Bondarenko", "Bondarenko", "Бондаренко", "Бондаренко"), ("Tkachenko", "Tkachenko", "Ткаченко", "Ткаченко"),
    ("Kravchenko", "Kravchenko", "Кравченко", "Кравченко"), ("Melnyk", "Melnyk", "Мельник", "Мельник"),
    ("Boiko", "Boiko", "Бойко", "Бойко"), ("Kovalenko", "Kovalenko", "Коваленко", "Коваленко"),
    ("Oliinyk", "Oliinyk", "Олійник", "Олійник"), ("Lysenko", "Lysenko", "Лисенко", "Лисенко"),
    ("Marchenko", "Marchenko", "Марченко", "Марченко"), ("Savchenko", "Savchenko", "Савченко", "Савченко"),
    ("Rudenko", "Rudenko", "Руденко", "Руденко"), ("Moroz", "Moroz", "Мороз", "Мороз"),
    ("Polishchuk", "Polishchuk", "Поліщук", "Поліщук"), ("Kravets", "Kravets", "Кравець", "Кравець"),
    ("Pavlenko", "Pavlenko", "Павленко", "Павленко"), ("Klymenko", "Klymenko", "Клименко", "Клименко"),
    ("Tkachuk", "Tkachuk", "Ткачук", "Ткачук"), ("Savchuk", "Savchuk", "Савчук", "Савчук"),
    ("Hnatiuk", "Hnatiuk", "Гнатюк", "Гнатюк"), ("Didenko", "Didenko", "Діденко", "Діденко"),
    ("Levchenko", "Levchenko", "Левченко", "Левченко"), ("Humeniuk", "Humeniuk", "Гуменюк", "Гуменюк"),
    ("Romaniuk", "Romaniuk", "Романюк", "Романюк"), ("Fedorchuk", "Fedorchuk", "Федорчук", "Федорчук"),
    ("Karpenko", "Karpenko", "Карпенко", "Карпенко"), ("Honcharuk", "Honcharuk", "Гончарук", "Гончарук"),
    ("Ivanenko", "Ivanenko", "Іваненко", "Іваненко"), ("Petrenko", "Petrenko", "Петренко", "Петренко"),
    ("Sydorenko", "Sydorenko", "Сидоренко", "Сидоренко"), ("Hrytsenko", "Hrytsenko", "Гриценко", "Гриценко"),
    ("Yakovenko", "Yakovenko", "Яковенко", "Яковенко"), ("Prokopenko", "Prokopenko", "Прокопенко", "Прокопенко"),
    ("Semeniuk", "Semeniuk", "Семенюк", "Семенюк"), ("Vasylenko", "Vasylenko", "Василенко", "Василенко"),
    ("Ostapchuk", "Ostapchuk", "Остапчук", "Остапчук"), ("Dmytruk", "Dmytruk", "Дмитрук", "Дмитрук"),
    ("Koval", "Koval", "Коваль", "Коваль"), ("Kovalskyi", "Kovalska", "Ковальський", "Ковальська"),
    ("Sadovskyi", "Sadovska", "Садовський", "Садовська"), ("Savytskyi", "Savytska", "Савицький", "Савицька"),
    ("Lytvyn", "Lytvyn", "Литвин", "Литвин"), ("Kuzmenko", "Kuzmenko", "Кузьменко", "Кузьменко"),
    ("Nazarenko", "Nazarenko", "Назаренко", "Назаренко"), ("Tarasenko", "Tarasenko", "Тарасенко", "Тарасенко"),
    ("Zhuk", "Zhuk", "Жук", "Жук"), ("Kostiuk", "Kostiuk", "Костюк", "Костюк"),
    ("Demchenko", "Demchenko", "Демченко", "Демченко"), ("Shapoval", "Shapoval", "Шаповал", "Шаповал"),
]  # fmt: skip

BY_MALE = {
    "adult": [
        "Aliaksandr", "Siarhei", "Dzmitry", "Andrei", "Uladzimir", "Pavel", "Maksim", "Ihar", "Yauhen", "Mikalai",
        "Viktar", "Aliaksei",
    ],
    "kid": [
        "Mikita", "Artsiom", "Daniil", "Maksim", "Matvei", "Kiryl", "Ivan",
    ],
}  # fmt: skip
BY_FEMALE = {
    "adult": [
        "Volha", "Tatsiana", "Alena", "Iryna", "Hanna", "Yuliya", "Natallia", "Sviatlana", "Katsiaryna", "Maryia",
        "Nadzeya",
    ],
    "kid": [
        "Sofia", "Darya", "Ulyana", "Veranika", "Alisa", "Palina", "Yeva",
    ],
}  # fmt: skip
BY_SURNAMES = [
    ("Kavaliou", "Kavaliova"), ("Navitski", "Navitskaya"), ("Karpovich", "Karpovich"), ("Zhuk", "Zhuk"),
    ("Dubrouski", "Dubrouskaya"), ("Sidarovich", "Sidarovich"), ("Hrynkevich", "Hrynkevich"),
    ("Shauchenka", "Shauchenka"), ("Malinouski", "Malinouskaya"), ("Barysevich", "Barysevich"),
]  # fmt: skip

SY_MALE = {
    "adult": [
        "Ahmad", "Mohammad", "Khaled", "Omar", "Yousef", "Hassan", "Samer", "Bassam", "Tarek", "Ziad",
    ],
    "kid": [
        "Adam", "Ali", "Karim", "Rami", "Yamen", "Hamza", "Zaid",
    ],
}  # fmt: skip
SY_FEMALE = {
    "adult": [
        "Fatima", "Rania", "Lina", "Hala", "Amal", "Nour", "Maryam", "Rasha", "Reem", "Huda",
    ],
    "kid": [
        "Lana", "Jana", "Yara", "Sham", "Rahaf", "Joud", "Tala",
    ],
}  # fmt: skip
SY_SURNAMES = [
    "Al-Hamid", "Haddad", "Khalil", "Nasser", "Al-Masri", "Saleh", "Hamdan", "Kassem", "Al-Ahmad", "Sabbagh",
    "Al-Halabi", "Jaber",
]  # fmt: skip

GE_MALE = {
    "adult": [
        "Giorgi", "Levan", "Davit", "Irakli", "Zurab", "Nikoloz", "Lasha", "Tamaz", "Gocha", "Beka",
    ],
    "kid": [
        "Luka", "Saba", "Nikoloz", "Giorgi", "Dachi", "Sandro",
    ],
}  # fmt: skip
GE_FEMALE = {
    "adult": [
        "Nino", "Tamar", "Ketevan", "Mariam", "Natia", "Eka", "Salome", "Ana", "Lela", "Manana",
    ],
    "kid": [
        "Mariam", "Ana", "Nino", "Elene", "Barbare", "Salome",
    ],
}  # fmt: skip
GE_SURNAMES = [
    "Beridze", "Kapanadze", "Gelashvili", "Maisuradze", "Lomidze", "Tsiklauri", "Japaridze", "Abashidze", "Mamaladze",
    "Chikhladze", "Bakradze", "Khutsishvili",
]  # fmt: skip

# Given name + family name pairs of well-known people (Latin spelling); such pairs are never generated.
FAMOUS = {
    ("Robert", "Lewandowski"), ("Anna", "Lewandowska"), ("Justyna", "Kowalczyk"), ("Krzysztof", "Krawczyk"),
    ("Jan", "Kowalski"), ("Anna", "Kowalska"), ("Marek", "Kamiński"), ("Marcin", "Kamiński"), ("Jan", "Zieliński"),
    ("Katarzyna", "Zielińska"), ("Michał", "Wiśniewski"), ("Szymon", "Majewski"), ("Piotr", "Adamczyk"),
    ("Andrzej", "Grabowski"), ("Mikołaj", "Grabowski"), ("Tomasz", "Lis"), ("Waldemar", "Pawlak"),
    ("Radosław", "Sikorski"), ("Krzysztof", "Zalewski"), ("Kazimierz", "Górski"), ("Władysław", "Żmuda"),
    ("Jan", "Tomaszewski"), ("Jerzy", "Dudek"), ("Anita", "Włodarczyk"), ("Jan", "Olszewski"), ("Jan", "Pietrzak"),
    ("Wojciech", "Szczęsny"), ("Jan", "Nowak"), ("Mateusz", "Kowalczyk"), ("Adam", "Nowak"), ("Taras", "Shevchenko"),
    ("Andrii", "Shevchenko"), ("Mykola", "Lysenko"), ("Oleksandr", "Zinchenko"), ("Oleksandr", "Moroz"),
    ("Yurii", "Boiko"), ("Andrii", "Melnyk"), ("Nadiia", "Savchenko"), ("Oleksandr", "Tkachenko"),
    ("Ruslan", "Ponomarenko"), ("Serhii", "Zhadan"), ("Lina", "Kostenko"),
}  # fmt: skip

POLISH_TO_ASCII = str.maketrans({"ł": "l", "Ł": "L"})


def to_ascii(text: str) -> str:
    """Lower-case ASCII for e-mail local parts: 'Łukasz Gościński' -> 'lukasz goscinski'."""
    folded = unicodedata.normalize("NFKD", text.translate(POLISH_TO_ASCII))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in " .")).lower()


@dataclass(frozen=True)
class Surname:
    male: str
    female: str
    latin_male: str
    latin_female: str

    def form(self, sex: str) -> tuple[str, str]:
        """(display form, Latin form) for the given sex."""
        if sex == "male":
            return self.male, self.latin_male
        return self.female, self.latin_female


def era(year: int, citizenship: str) -> str:
    if citizenship == "PL":
        if year <= 1960:
            return "old"
        if year <= 1990:
            return "mid"
        if year <= 2010:
            return "young"
        return "kid"
    if citizenship == "UA":
        if year <= 1965:
            return "old"
        if year <= 2005:
            return "mid"
        return "kid"
    return "kid" if year >= 2006 else "adult"


def pick_surname(rng: random.Random, citizenship: str, cyrillic: bool = False) -> Surname:
    if citizenship == "PL":
        male, female = rng.choice(PL_SURNAMES)
        return Surname(male, female, male, female)
    if citizenship == "UA":
        lat_m, lat_f, cyr_m, cyr_f = rng.choice(UA_SURNAMES)
        if cyrillic:
            return Surname(cyr_m, cyr_f, lat_m, lat_f)
        return Surname(lat_m, lat_f, lat_m, lat_f)
    if citizenship == "BY":
        male, female = rng.choice(BY_SURNAMES)
        return Surname(male, female, male, female)
    if citizenship == "SY":
        name = rng.choice(SY_SURNAMES)
        return Surname(name, name, name, name)
    if citizenship == "GE":
        name = rng.choice(GE_SURNAMES)
        return Surname(name, name, name, name)
    raise ValueError(citizenship)


def pick_given(rng: random.Random, citizenship: str, sex: str, year: int, cyrillic: bool = False) -> tuple[str, str]:
    """(display form, Latin form) of a given name fitting the citizenship, sex and generation."""
    group = era(year, citizenship)
    if citizenship == "PL":
        name = rng.choice((PL_MALE if sex == "male" else PL_FEMALE)[group])
        return name, name
    if citizenship == "UA":
        latin, cyr = rng.choice((UA_MALE if sex == "male" else UA_FEMALE)[group])
        return (cyr if cyrillic else latin), latin
    pools = {"BY": (BY_MALE, BY_FEMALE), "SY": (SY_MALE, SY_FEMALE), "GE": (GE_MALE, GE_FEMALE)}[citizenship]
    name = rng.choice((pools[0] if sex == "male" else pools[1])[group])
    return name, name


# ---------------------------------------------------------------------------------------------------------------
# Dates, PESEL, contact data
# ---------------------------------------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def random_date(rng: random.Random, lo: date, hi: date) -> date:
    assert lo <= hi, (lo, hi)
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def age_on(birth: date, day: date = TODAY) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def oldest(age: int) -> date:
    """The earliest birth date of someone who is ``age`` years old on TODAY (never before MIN_BIRTH)."""
    return max(add_years(TODAY, -(age + 1)) + timedelta(days=1), MIN_BIRTH)


def youngest(age: int) -> date:
    """The latest birth date of someone who is ``age`` years old on TODAY (never after MAX_BIRTH)."""
    return min(add_years(TODAY, -age), MAX_BIRTH)


def birth_for_age(rng: random.Random, min_age: int, max_age: int) -> date:
    """A birth date giving an age in min_age..max_age on TODAY, within MIN_BIRTH..MAX_BIRTH."""
    return random_date(rng, oldest(max_age), youngest(min_age))


def between(rng: random.Random, lo: date, hi: date, min_age: int, max_age: int) -> date:
    """A birth date in lo..hi that also gives an age in min_age..max_age; the nearest allowed date if none does."""
    first, last = oldest(max_age), youngest(min_age)
    if max(lo, first) > min(hi, last):
        return first if hi < first else last
    return random_date(rng, max(lo, first), min(hi, last))


PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
PESEL_MONTH_OFFSET = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}


def pesel_check_digit(first_ten: str) -> int:
    total = sum(int(digit) * weight for digit, weight in zip(first_ten, PESEL_WEIGHTS, strict=True))
    return (10 - total % 10) % 10


def make_pesel(rng: random.Random, birth: date, sex: str) -> str:
    month = birth.month + PESEL_MONTH_OFFSET[birth.year // 100]
    serial = rng.randrange(1000)
    sex_digit = rng.choice((1, 3, 5, 7, 9) if sex == "male" else (0, 2, 4, 6, 8))
    first_ten = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial:03d}{sex_digit}"
    return first_ten + str(pesel_check_digit(first_ten))


def pesel_is_valid_for(pesel: str, birth: date, sex: str) -> bool:
    """Decode a PESEL independently of make_pesel and compare it with the birth date and sex."""
    if len(pesel) != 11 or not pesel.isdigit():
        return False
    if pesel_check_digit(pesel[:10]) != int(pesel[10]):
        return False
    yy, mm, dd = int(pesel[0:2]), int(pesel[2:4]), int(pesel[4:6])
    century = 1900
    for base, offset in ((1800, 80), (2200, 60), (2100, 40), (2000, 20)):
        if mm > offset:
            century, mm = base, mm - offset
            break
    try:
        decoded = date(century + yy, mm, dd)
    except ValueError:
        return False
    is_male = int(pesel[9]) % 2 == 1
    return decoded == birth and is_male == (sex == "male")


MOBILE_PREFIXES = [
    str(p) for base in (50, 51, 53, 57, 60, 66, 69, 72, 73, 78, 79, 88) for p in range(base * 10, base * 10 + 10)
]


# ---------------------------------------------------------------------------------------------------------------
# Households
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Person:
    given_name: str
    family_name: str
    latin_given: str
    latin_family: str
    birth: date
    sex: str
    citizenship: str
    relationship: str
    language: str


@dataclass
class Draft:
    category: str
    members: list[Person]
    reasons: list[str]
    income_weights: tuple[int, int, int]  # below criterion, between criterion and 265%, above 265%
    cyrillic: bool = False


class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.pesels: set[str] = set()
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.household_names: set[str] = set()  # given names already used in the household being built

    # --- people -------------------------------------------------------------------------------------------------

    def person(
        self,
        citizenship: str,
        sex: str,
        birth: date,
        relationship: str,
        surname: Surname,
        language: str = "pl",
        cyrillic: bool = False,
    ) -> Person:
        family, latin_family = surname.form(sex)
        for _ in range(50):
            given, latin_given = pick_given(self.rng, citizenship, sex, birth.year, cyrillic)
            if (latin_given, latin_family) not in FAMOUS and latin_given not in self.household_names:
                break
        else:
            raise RuntimeError("no name found")
        self.household_names.add(latin_given)
        return Person(given, family, latin_given, latin_family, birth, sex, citizenship, relationship, language)

    def children_births(
        self, count: int, parents: list[date], max_age: int = 17, min_age: int = 0, min_gap_from: int = 18
    ) -> list[date]:
        """Up to ``count`` birth dates (oldest first) for children of ``parents``; at least 18 years younger than
        each parent (``min_gap_from`` years; 36 for grandchildren), spaced at least ten months apart, twins rare."""
        lo = max([add_years(p, min_gap_from) for p in parents] + [add_years(TODAY, -(max_age + 1)) + timedelta(1)])
        hi = min(MAX_BIRTH, add_years(TODAY, -min_age))
        if lo > hi:
            return []
        while count > 0:
            for _ in range(300):
                births = sorted(random_date(self.rng, lo, hi) for _ in range(count))
                if all((b - a).days >= 300 for a, b in itertools.pairwise(births)):
                    if count >= 2 and self.rng.random() < 0.04:  # twins
                        births[-1] = births[-2]
                    return births
            count -= 1
        return []

    def kids(
        self,
        births: list[date],
        citizenship: str,
        surname: Surname,
        language: str = "pl",
        cyrillic: bool = False,
        relationship: str = "child",
    ) -> list[Person]:
        result = []
        for birth in births:
            sex = self.rng.choice(("male", "female"))
            result.append(self.person(citizenship, sex, birth, relationship, surname, language, cyrillic))
        return result

    def reasons(self, required: list[str], optional: list[tuple[str, float]]) -> list[str]:
        chosen = list(dict.fromkeys(required))
        optional = list(optional)
        self.rng.shuffle(optional)
        for code, probability in optional:
            if len(chosen) >= 3:
                break
            if code not in chosen and self.rng.random() < probability:
                chosen.append(code)
        return chosen

    # --- categories ---------------------------------------------------------------------------------------------

    def homeless_man(self) -> Draft:
        rng = self.rng
        citizenship = "UA" if rng.random() < 0.04 else "PL"
        language = rng.choice(("uk", "pl")) if citizenship == "UA" else "pl"
        birth = birth_for_age(rng, 35, 70)
        head = self.person(citizenship, "male", birth, "head", pick_surname(rng, citizenship), language)
        optional = [
            ("unemployment", 0.6),
            ("addiction", 0.45),
            ("long_term_illness", 0.3),
            ("disability", 0.12),
            ("prison_release", 0.08),
            ("crisis_event", 0.05),
            ("poverty", 0.2),
        ]
        if citizenship == "UA":
            optional.append(("integration_difficulties", 0.8))
        if age_on(birth) >= 60:
            optional.append(("long_term_illness", 0.5))
        return Draft("homeless_man", [head], self.reasons(["homelessness"], optional), (85, 14, 1))

    def single_mother(self) -> Draft:
        rng = self.rng
        surname = pick_surname(rng, "PL")
        members: list[Person] = []
        births: list[date] = []
        wanted = rng.choices((1, 2, 3, 4), weights=(35, 33, 20, 12))[0]
        mother_birth = birth_for_age(rng, 19, 45)
        for _ in range(40):
            mother_birth = birth_for_age(rng, 19 + 2 * (wanted - 1), 45)
            max_age = 19 if rng.random() < 0.1 else 17
            births = self.children_births(wanted, [mother_birth], max_age=max_age)
            if len(births) == wanted:
                break
        mother = self.person("PL", "female", mother_birth, "head", surname)
        members.append(mother)
        father_surname = surname if rng.random() < 0.7 else pick_surname(rng, "PL")
        members += self.kids(births, "PL", father_surname)
        if rng.random() < 0.12 and age_on(mother_birth) <= 45:
            grandma_birth = between(rng, add_years(mother_birth, -45), add_years(mother_birth, -19), 0, 85)
            grandma_surname = surname if rng.random() < 0.6 else pick_surname(rng, "PL")
            members.append(self.person("PL", "female", grandma_birth, "parent", grandma_surname))
        baby = any(age_on(b) < 1 for b in births)
        optional = [
            ("domestic_violence", 0.3),
            ("maternity_protection", 0.9 if baby else 0.06),
            ("poverty", 0.55),
            ("unemployment", 0.25),
            ("homelessness", 0.1),
            ("care_helplessness", 0.08),
        ]
        return Draft("single_mother", members, self.reasons(["single_parent"], optional), (65, 31, 4))

    def ukrainian(self, cyrillic: bool) -> Draft:
        rng = self.rng
        kind = rng.choices(
            ("mother_kids", "mother_kids_grandma", "grandma", "grandma_grandkids", "old_man", "old_couple", "sisters"),
            weights=(30, 8, 7, 4, 5, 4, 2),
        )[0]
        language = rng.choices(("uk", "pl", "other", "en"), weights=(82, 8, 6, 4))[0]
        elder_language = language if language in ("uk", "other") else "uk"
        surname = pick_surname(rng, "UA", cyrillic)
        members: list[Person] = []
        required = ["integration_difficulties"]
        optional = [("poverty", 0.7), ("unemployment", 0.25), ("crisis_event", 0.1)]

        def mother_with_kids(relationship: str, kid_relationship: str, lang: str) -> tuple[Person, list[Person]]:
            wanted = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
            for _ in range(40):
                birth = birth_for_age(rng, 22 + 2 * wanted, 50)
                births = self.children_births(wanted, [birth])
                if len(births) == wanted:
                    break
            own = surname if relationship == "head" else pick_surname(rng, "UA", cyrillic)
            mother = self.person("UA", "female", birth, relationship, own, lang, cyrillic)
            return mother, self.kids(births, "UA", own, lang, cyrillic, kid_relationship)

        if kind in ("mother_kids", "mother_kids_grandma"):
            mother, children = mother_with_kids("head", "child", language)
            members = [mother, *children]
            if kind == "mother_kids_grandma":
                grandma_birth = between(rng, add_years(mother.birth, -42), add_years(mother.birth, -19), 0, 88)
                members.append(
                    self.person(
                        "UA",
                        "female",
                        grandma_birth,
                        "parent",
                        pick_surname(rng, "UA", cyrillic),
                        elder_language,
                        cyrillic,
                    )
                )
                optional.append(("long_term_illness", 0.3))
            optional += [("single_parent", 0.4), ("maternity_protection", 0.05)]
        elif kind == "sisters":
            mother, children = mother_with_kids("head", "child", language)
            sister, nephews = mother_with_kids("sibling", "other_relative", language)
            members = [mother, *children, sister, *nephews]
            optional.append(("single_parent", 0.3))
        elif kind in ("grandma", "grandma_grandkids"):
            birth = birth_for_age(rng, 60, 86)
            members = [self.person("UA", "female", birth, "head", surname, elder_language, cyrillic)]
            if kind == "grandma_grandkids":
                births = self.children_births(rng.choice((1, 2)), [birth], max_age=17, min_gap_from=38)
                members += self.kids(births, "UA", surname, language, cyrillic, "grandchild")
                optional += [("care_helplessness", 0.4), ("orphanhood", 0.2)]
            optional += [("long_term_illness", 0.5), ("disability", 0.25)]
        elif kind == "old_man":
            birth = birth_for_age(rng, 61, 82)
            members = [self.person("UA", "male", birth, "head", surname, elder_language, cyrillic)]
            optional += [("long_term_illness", 0.5), ("disability", 0.3), ("homelessness", 0.1)]
        else:  # old couple
            birth = birth_for_age(rng, 61, 84)
            wife_birth = between(rng, add_years(birth, -3), add_years(birth, 8), 57, 90)
            members = [
                self.person("UA", "male", birth, "head", surname, elder_language, cyrillic),
                self.person("UA", "female", wife_birth, "spouse", surname, elder_language, cyrillic),
            ]
            optional += [("long_term_illness", 0.5), ("disability", 0.3)]
        return Draft("ukrainian", members, self.reasons(required, optional), (58, 35, 7), cyrillic)

    def senior(self) -> Draft:
        rng = self.rng
        kind = rng.choices(("alone", "couple", "siblings"), weights=(28, 20, 2))[0]
        surname = pick_surname(rng, "PL")
        optional = [("long_term_illness", 0.6), ("disability", 0.4), ("poverty", 0.5), ("care_helplessness", 0.05)]
        if kind == "alone":
            sex = "female" if rng.random() < 0.7 else "male"
            members = [self.person("PL", sex, birth_for_age(rng, 65, 90), "head", surname)]
        elif kind == "couple":
            head_sex = "male" if rng.random() < 0.7 else "female"
            head_birth = birth_for_age(rng, 65, 89)
            other_sex = "female" if head_sex == "male" else "male"
            shift = rng.randint(-2, 6) if head_sex == "male" else rng.randint(-6, 2)
            spouse_birth = between(rng, add_years(head_birth, shift), add_years(head_birth, shift + 1), 60, 92)
            relationship = "spouse" if rng.random() < 0.92 else "partner"
            spouse_surname = surname if relationship == "spouse" else pick_surname(rng, "PL")
            members = [
                self.person("PL", head_sex, head_birth, "head", surname),
                self.person("PL", other_sex, spouse_birth, relationship, spouse_surname),
            ]
        else:
            head_birth = birth_for_age(rng, 70, 88)
            sibling_birth = between(rng, add_years(head_birth, -4), add_years(head_birth, 6), 60, 90)
            members = [
                self.person("PL", "female", head_birth, "head", pick_surname(rng, "PL")),
                self.person("PL", rng.choice(("male", "female")), sibling_birth, "sibling", surname),
            ]
        return Draft("senior", members, self.reasons([], optional) or ["long_term_illness"], (30, 62, 8))

    def large_family(self) -> Draft:
        rng = self.rng
        kind = rng.choices(("couple", "single_parent", "three_generations", "grandparents"), weights=(36, 7, 5, 2))[0]
        size = rng.choices((5, 6, 7, 8), weights=(36, 30, 20, 14))[0]
        surname = pick_surname(rng, "PL")
        required = ["large_family"]
        optional = [
            ("poverty", 0.75),
            ("care_helplessness", 0.4),
            ("unemployment", 0.3),
            ("disability", 0.12),
            ("addiction", 0.08),
            ("long_term_illness", 0.1),
        ]
        members: list[Person] = []
        if kind == "grandparents":
            wanted = size - 2
            for _ in range(60):
                grandpa = birth_for_age(rng, 52, 72)
                grandma = between(rng, add_years(grandpa, -2), add_years(grandpa, 5), 45, 90)
                births = self.children_births(wanted, [grandpa, grandma], max_age=17, min_gap_from=36)
                if len(births) == wanted:
                    break
            members = [
                self.person("PL", "female", grandma, "head", surname),
                self.person("PL", "male", grandpa, "spouse", surname),
            ]
            members += self.kids(
                births, "PL", pick_surname(rng, "PL") if rng.random() < 0.5 else surname, relationship="grandchild"
            )
            optional += [("orphanhood", 0.5), ("care_helplessness", 0.3)]
            return Draft("large_family", members, self.reasons(required, optional), (70, 27, 3))

        adults = {"couple": 2, "single_parent": 1, "three_generations": 3}[kind]
        wanted = size - adults
        for _ in range(80):
            mother = birth_for_age(rng, 24 + wanted, 50)
            father = between(rng, add_years(mother, -7), add_years(mother, 3), 20, 70)
            births = self.children_births(wanted, [mother, father], max_age=rng.choice((17, 17, 20, 23)))
            if len(births) == wanted:
                break
        else:
            raise RuntimeError("could not build a large family")
        if kind == "single_parent":
            sex = "female" if rng.random() < 0.85 else "male"
            head_birth = mother if sex == "female" else father
            members = [self.person("PL", sex, head_birth, "head", surname)]
            kids_surname = surname if rng.random() < 0.7 else pick_surname(rng, "PL")
            members += self.kids(births, "PL", kids_surname)
            required.append("single_parent")
        else:
            relationship = "spouse" if rng.random() < 0.75 else "partner"
            mother_surname = surname if relationship == "spouse" else pick_surname(rng, "PL")
            dad = self.person("PL", "male", father, "head", surname)
            mum = self.person("PL", "female", mother, relationship, mother_surname)
            if rng.random() < 0.35:  # the mother is the head of the household
                dad.relationship, mum.relationship = relationship, "head"
            head, other = (dad, mum) if dad.relationship == "head" else (mum, dad)
            kids_surname = surname if relationship == "spouse" or rng.random() < 0.7 else mother_surname
            members = [head, other, *self.kids(births, "PL", kids_surname)]
            if kind == "three_generations":
                grand_birth = between(rng, add_years(head.birth, -40), add_years(head.birth, -19), 0, 90)
                grand_surname = head_surname_for_parent(rng, head)
                members.append(
                    self.person(
                        "PL", rng.choices(("female", "male"), weights=(75, 25))[0], grand_birth, "parent", grand_surname
                    )
                )
                optional.append(("long_term_illness", 0.3))
        return Draft("large_family", members, self.reasons(required, optional), (70, 27, 3))

    def mixed(self, kind: str) -> Draft:
        rng = self.rng
        surname = pick_surname(rng, "PL")
        members: list[Person] = []
        weights = (55, 38, 7)
        if kind in ("unemployed_couple", "unemployed_couple_kids"):
            with_kids = kind == "unemployed_couple_kids"
            head_birth = birth_for_age(rng, 24, 48) if with_kids else birth_for_age(rng, 28, 60)
            partner_birth = between(rng, add_years(head_birth, -6), add_years(head_birth, 6), 21, 62)
            relationship = rng.choice(("spouse", "spouse", "partner"))
            partner_cit = "UA" if with_kids and rng.random() < 0.25 else "PL"
            partner_surname = (
                surname if relationship == "spouse" and partner_cit == "PL" else pick_surname(rng, partner_cit)
            )
            members = [
                self.person("PL", "male", head_birth, "head", surname),
                self.person(
                    partner_cit,
                    "female",
                    partner_birth,
                    relationship,
                    partner_surname,
                    "pl" if partner_cit == "PL" else rng.choice(("uk", "pl")),
                ),
            ]
            if with_kids:
                members += self.kids(
                    self.children_births(rng.choice((1, 2, 2)), [head_birth, partner_birth]), "PL", surname
                )
            reasons = self.reasons(
                ["unemployment"],
                [("poverty", 0.7), ("addiction", 0.15), ("long_term_illness", 0.15), ("care_helplessness", 0.1)],
            )
        elif kind == "disabled_alone":
            sex = rng.choice(("male", "female"))
            members = [self.person("PL", sex, birth_for_age(rng, 25, 64), "head", surname)]
            reasons = self.reasons(
                ["disability"], [("poverty", 0.6), ("long_term_illness", 0.5), ("unemployment", 0.2)]
            )
        elif kind == "disabled_with_parent":
            parent_birth = birth_for_age(rng, 62, 86)
            child_birth = between(rng, add_years(parent_birth, 19), add_years(parent_birth, 42), 19, 55)
            members = [
                self.person("PL", rng.choices(("female", "male"), weights=(75, 25))[0], parent_birth, "head", surname),
                self.person("PL", rng.choice(("male", "female")), child_birth, "child", surname),
            ]
            reasons = self.reasons(
                ["disability"], [("long_term_illness", 0.6), ("poverty", 0.5), ("care_helplessness", 0.2)]
            )
        elif kind == "elderly_siblings":
            head_birth = birth_for_age(rng, 62, 80)
            sister_birth = between(rng, add_years(head_birth, -5), add_years(head_birth, 5), 58, 85)
            members = [
                self.person("PL", "male", head_birth, "head", surname),
                self.person("PL", "female", sister_birth, "sibling", surname),
            ]
            reasons = self.reasons(["long_term_illness"], [("poverty", 0.6), ("disability", 0.4)])
        elif kind == "homeless_woman":
            members = [self.person("PL", "female", birth_for_age(rng, 30, 66), "head", surname)]
            if rng.random() < 0.5:  # shares a room with a friend
                members.append(
                    self.person("PL", "female", birth_for_age(rng, 30, 66), "other", pick_surname(rng, "PL"))
                )
            reasons = self.reasons(
                ["homelessness"], [("domestic_violence", 0.5), ("unemployment", 0.5), ("addiction", 0.2)]
            )
            weights = (85, 14, 1)
        elif kind == "prison_release":
            members = [self.person("PL", "male", birth_for_age(rng, 22, 58), "head", surname)]
            reasons = self.reasons(
                ["prison_release"], [("unemployment", 0.7), ("homelessness", 0.5), ("addiction", 0.3)]
            )
            weights = (85, 14, 1)
        elif kind == "care_leaver":
            birth = birth_for_age(rng, 18, 24)
            members = [self.person("PL", rng.choice(("male", "female")), birth, "head", surname)]
            if rng.random() < 0.5:
                grand_birth = between(rng, add_years(birth, -72), add_years(birth, -40), 0, 88)
                members.append(self.person("PL", "female", grand_birth, "grandparent", surname))
            reasons = self.reasons(["orphanhood"], [("unemployment", 0.5), ("poverty", 0.5)])
        elif kind in ("fire", "flood"):
            head_birth = birth_for_age(rng, 30, 60)
            wife_birth = between(rng, add_years(head_birth, -4), add_years(head_birth, 6), 24, 62)
            members = [
                self.person("PL", "male", head_birth, "head", surname),
                self.person("PL", "female", wife_birth, "spouse", surname),
            ]
            members += self.kids(self.children_births(rng.choice((0, 1, 2)), [head_birth, wife_birth]), "PL", surname)
            first = "crisis_event" if kind == "fire" else "natural_disaster"
            reasons = self.reasons([first], [("crisis_event", 0.8), ("poverty", 0.4)])
            weights = (40, 52, 8)
        elif kind == "trafficking":
            members = [self.person("PL", "female", birth_for_age(rng, 20, 38), "head", surname)]
            reasons = self.reasons(
                ["trafficking_victim"], [("crisis_event", 0.6), ("homelessness", 0.4), ("unemployment", 0.4)]
            )
            weights = (85, 14, 1)
        elif kind == "addiction":
            sex = "male" if rng.random() < 0.75 else "female"
            members = [self.person("PL", sex, birth_for_age(rng, 28, 64), "head", surname)]
            if rng.random() < 0.5:
                members.append(self.person("PL", sex, birth_for_age(rng, 28, 64), "other", pick_surname(rng, "PL")))
            reasons = self.reasons(["addiction"], [("unemployment", 0.7), ("long_term_illness", 0.3)])
        elif kind in ("BY", "SY", "GE"):
            members, reasons = self.foreign_family(kind)
            weights = (60, 35, 5)
        else:
            raise ValueError(kind)
        return Draft("mixed", members, reasons, weights)

    def foreign_family(self, citizenship: str) -> tuple[list[Person], list[str]]:
        rng = self.rng

        def lang() -> str:
            return rng.choices(("other", "en"), weights=(60, 40) if citizenship != "SY" else (55, 45))[0]

        surname = pick_surname(rng, citizenship)
        shape = rng.choices(("family", "single_man", "mother_kid"), weights=(55, 25, 20))[0]
        if citizenship == "SY":
            shape = "family"
        language = lang()
        if shape == "single_man":
            members = [self.person(citizenship, "male", birth_for_age(rng, 25, 58), "head", surname, language)]
        elif shape == "mother_kid":
            birth = birth_for_age(rng, 25, 45)
            members = [self.person(citizenship, "female", birth, "head", surname, language)]
            members += self.kids(self.children_births(1, [birth]), citizenship, surname, language)
        else:
            head_birth = birth_for_age(rng, 28, 50)
            wife_birth = between(rng, add_years(head_birth, -2), add_years(head_birth, 9), 23, 52)
            wife_surname = pick_surname(rng, citizenship) if citizenship == "SY" and rng.random() < 0.6 else surname
            members = [
                self.person(citizenship, "male", head_birth, "head", surname, language),
                self.person(citizenship, "female", wife_birth, "spouse", wife_surname, lang()),
            ]
            count = rng.choice((1, 2, 3, 4)) if citizenship == "SY" else rng.choice((1, 2))
            members += self.kids(self.children_births(count, [head_birth, wife_birth]), citizenship, surname, language)
        kids = sum(1 for m in members if m.relationship == "child")
        optional = [("unemployment", 0.5), ("poverty", 0.6), ("crisis_event", 0.15)]
        if kids >= 3:
            optional.append(("large_family", 0.9))
        return members, self.reasons(["integration_difficulties"], optional)

    # --- finishing ----------------------------------------------------------------------------------------------

    def income(self, draft: Draft) -> tuple[str | None, str | None]:
        rng = self.rng
        if rng.random() < 0.055:
            return None, None
        verified = random_date(rng, VERIFIED_FROM, VERIFIED_TO).isoformat()
        criterion = CRITERION_SINGLE_CENTS if len(draft.members) == 1 else CRITERION_FAMILY_CENTS
        upper = criterion * UPPER_PERCENT // 100
        if draft.category == "homeless_man":
            roll = rng.random()
            if roll < 0.25:
                cents = 0
            elif roll < 0.83:
                cents = rng.randint(100_00, 900_00)
            elif roll < 0.95:
                cents = rng.randint(900_00, criterion)
            else:
                cents = rng.randint(criterion + 1, 1900_00)
        else:
            bucket = rng.choices((0, 1, 2), weights=draft.income_weights)[0]
            if bucket == 0:
                cents = 0 if rng.random() < 0.06 else rng.randint(criterion * 30 // 100, criterion)
            elif bucket == 1:
                cents = rng.randint(criterion + 1, upper)
            else:
                cents = rng.randint(upper + 1, upper * 135 // 100)
        return f"{cents // 100}.{cents % 100:02d}", verified

    def phone(self) -> str:
        while True:
            digits = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(1_000_000):06d}"
            number = f"+48 {digits[:3]} {digits[3:6]} {digits[6:]}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def email(self, person: Person) -> str:
        rng = self.rng
        given = to_ascii(person.latin_given).replace(" ", "")
        family = to_ascii(person.latin_family).replace(" ", "").replace("-", "")
        pattern = rng.randrange(4)
        if pattern == 0:
            local = f"{given[0]}.{family}"
        elif pattern == 1:
            local = f"{given}.{family}"
        elif pattern == 2:
            local = f"{family}.{given}{person.birth.year % 100:02d}"
        else:
            local = f"{given}{family[0]}{rng.randint(1, 99)}"
        domain = "example.pl" if rng.random() < 0.7 else "example.com"
        address = f"{local}@{domain}"
        suffix = 2
        while address in self.emails:
            address = f"{local}{suffix}@{domain}"
            suffix += 1
        self.emails.add(address)
        return address

    def member_dict(self, person: Person, draft: Draft) -> dict[str, Any]:
        rng = self.rng
        age = age_on(person.birth)
        adult = age >= 18
        homeless = "homelessness" in draft.reasons

        null_birth = {"PL": 0.032, "UA": 0.05}.get(person.citizenship, 0.15)
        if homeless:
            null_birth = 0.08
        birth_known = rng.random() >= null_birth

        pesel: str | None = None
        if birth_known:
            chance = {"PL": 0.9, "UA": 0.64}.get(person.citizenship, 0.0)
            if homeless and person.citizenship == "PL":
                chance = 0.84
            if rng.random() < chance:
                while True:
                    pesel = make_pesel(rng, person.birth, person.sex)
                    if pesel not in self.pesels:
                        break
                assert pesel_is_valid_for(pesel, person.birth, person.sex), pesel
                self.pesels.add(pesel)

        phone = ""
        email = ""
        if adult:
            if person.relationship == "head":
                phone_chance = 0.5 if homeless else (0.62 if age >= 80 else 0.8)
            else:
                phone_chance = 0.4 if age >= 75 else 0.55
            if rng.random() < phone_chance:
                phone = self.phone()
            email_chance = 0.05 if homeless else (0.25 if age < 40 else (0.17 if age < 65 else 0.06))
            if rng.random() < email_chance:
                email = self.email(person)

        accessible_chance = 0.3 if age >= 80 else (0.13 if age >= 65 else (0.015 if adult else 0.005))
        if "disability" in draft.reasons and person.relationship in ("head", "child") and adult:
            accessible_chance += 0.3
        needs_accessible = rng.random() < accessible_chance

        return {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birth_date": person.birth.isoformat() if birth_known else None,
            "birth_year": person.birth.year,
            "sex": person.sex,
            "citizenship": person.citizenship,
            "pesel": pesel,
            "pesel_ukr": pesel is not None and person.citizenship == "UA",
            "phone": phone,
            "email": email,
            "preferred_language": person.language,
            "needs_accessible": needs_accessible,
            "relationship": person.relationship,
        }

    def household(self, key: str, draft: Draft) -> dict[str, Any]:
        income, verified = self.income(draft)
        return {
            "key": key,
            "case_worker": CASE_WORKER,
            "income_per_person": income,
            "income_verified_on": verified,
            "reasons": draft.reasons,
            "members": [self.member_dict(person, draft) for person in draft.members],
        }

    def build(self) -> tuple[list[dict[str, Any]], list[str]]:
        rng = self.rng
        order = [category for category, count in CATEGORY_COUNTS.items() for _ in range(count)]
        rng.shuffle(order)
        ukrainian_slots = [i for i, category in enumerate(order) if category == "ukrainian"]
        cyrillic_slots = set(rng.sample(ukrainian_slots, CYRILLIC_HOUSEHOLDS))
        mixed_kinds = (
            ["unemployed_couple"] * 7
            + ["unemployed_couple_kids"] * 6
            + ["disabled_alone"] * 5
            + ["disabled_with_parent"] * 4
            + ["elderly_siblings"]
            + ["homeless_woman"] * 2
            + ["prison_release"] * 2
            + ["care_leaver"] * 2
            + ["fire"] * 2
            + ["flood"]
            + ["trafficking"]
            + ["addiction"] * 2
            + ["BY"] * 4
            + ["SY"] * 3
            + ["GE"] * 3
        )
        assert len(mixed_kinds) == CATEGORY_COUNTS["mixed"]
        rng.shuffle(mixed_kinds)
        households = []
        for index, category in enumerate(order):
            self.household_names = set()
            if category == "homeless_man":
                draft = self.homeless_man()
            elif category == "single_mother":
                draft = self.single_mother()
            elif category == "ukrainian":
                draft = self.ukrainian(index in cyrillic_slots)
            elif category == "senior":
                draft = self.senior()
            elif category == "large_family":
                draft = self.large_family()
            else:
                draft = self.mixed(mixed_kinds.pop())
            check_draft(draft)
            households.append(self.household(f"H{index + 1:03d}", draft))
        return households, order


def head_surname_for_parent(rng: random.Random, head: Person) -> Surname:
    """The head's own parent: the head's surname for a man's parent, often another one for a married woman's."""
    if head.sex == "male" or rng.random() < 0.3:
        male, female = next(
            ((m, f) for m, f in PL_SURNAMES if head.family_name in (m, f)), (head.family_name, head.family_name)
        )
        return Surname(male, female, male, female)
    return pick_surname(rng, "PL")


def check_draft(draft: Draft) -> None:
    members = draft.members
    assert members
    assert members[0].relationship == "head"
    assert sum(1 for m in members if m.relationship == "head") == 1
    assert 1 <= len(draft.reasons) <= 3, draft.reasons
    assert all(code in REASONS for code in draft.reasons), draft.reasons
    assert len(set(draft.reasons)) == len(draft.reasons)
    head = members[0]
    partners = [m for m in members if m.relationship in ("spouse", "partner")]
    for person in members:
        assert MIN_BIRTH <= person.birth <= MAX_BIRTH, person
        assert person.relationship in RELATIONSHIPS
        assert person.language in LANGUAGES
        if person.relationship == "child":
            for parent in [head, *partners]:
                assert age_on(parent.birth, person.birth) >= 17, (parent, person)
        if person.relationship == "grandchild":
            assert age_on(head.birth, person.birth) >= 34, (head, person)
        if person.relationship == "parent":
            assert age_on(person.birth, head.birth) >= 17, (person, head)
        if person.relationship == "grandparent":
            assert age_on(person.birth, head.birth) >= 34, (person, head)
    if draft.category == "large_family":
        assert 5 <= len(members) <= 8, len(members)
    if draft.category == "homeless_man":
        assert len(members) == 1
        assert head.sex == "male"
        assert 35 <= age_on(head.birth) <= 70
    if draft.category == "senior":
        assert 65 <= age_on(head.birth) <= 90


def check_households(households: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for household in households:
        income = household["income_per_person"]
        assert (income is None) == (household["income_verified_on"] is None)
        members = household["members"]
        assert isinstance(members, list)
        for member in members:
            pesel = member["pesel"]
            birth = member["birth_date"]
            if birth is not None:
                assert date.fromisoformat(birth).year == member["birth_year"]
            if pesel is not None:
                assert birth is not None
                assert pesel not in seen
                seen.add(pesel)
                assert pesel_is_valid_for(pesel, date.fromisoformat(birth), member["sex"])
                assert member["citizenship"] in ("PL", "UA")
            assert member["pesel_ukr"] == (pesel is not None and member["citizenship"] == "UA")
            email = member["email"]
            assert email == "" or email.endswith(("@example.pl", "@example.com")), email


def is_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def summary(households: list[dict[str, Any]], order: list[str]) -> str:
    people = [m for h in households for m in h["members"]]
    adults = [m for m in people if TODAY.year - m["birth_year"] >= 18]
    polish = [m for m in people if m["citizenship"] == "PL"]
    ukrainian = [m for m in people if m["citizenship"] == "UA"]
    cyrillic = sum(1 for h in households if any(is_cyrillic(m["given_name"]) for m in h["members"]))
    lines = [f"households: {len(households)}, people: {len(people)}, Cyrillic-named households: {cyrillic}"]
    lines.append("by category: " + ", ".join(f"{k} {v}" for k, v in Counter(order).items()))
    lines.append(f"birth_date null: {sum(m['birth_date'] is None for m in people) / len(people):.1%}")
    lines.append(
        f"PESEL: PL {sum(m['pesel'] is not None for m in polish) / len(polish):.1%}, "
        f"UA {sum(m['pesel'] is not None for m in ukrainian) / len(ukrainian):.1%}"
    )
    lines.append(
        f"adults with phone: {sum(bool(m['phone']) for m in adults) / len(adults):.1%}, "
        f"with e-mail: {sum(bool(m['email']) for m in adults) / len(adults):.1%}"
    )
    lines.append(f"needs_accessible: {sum(m['needs_accessible'] for m in people) / len(people):.1%}")
    lines.append(f"income null: {sum(h['income_per_person'] is None for h in households)}")
    return "\n".join(lines)


def main() -> None:
    households, order = Generator().build()
    check_households(households)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(households, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    print(summary(households, order))


if __name__ == "__main__":
    main()
