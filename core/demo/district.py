"""The demo school district: two schools in two municipalities of Новосибирская область.

Deterministic: the same people with the same VK ids every time, so the sandbox, the tests and the
README can refer to them. Loading is idempotent through ``external_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

REGION_CODE = "54"
TIMEZONE = "Asia/Novosibirsk"
FIRST_VK_ID = 100_001


@dataclass(frozen=True)
class DemoPerson:
    key: str
    first_name: str
    last_name: str
    birth_date: date | None = None
    is_adult: bool | None = None
    phone: str | None = None
    has_vk: bool = True


@dataclass(frozen=True)
class DemoStaff:
    person: str
    school: str
    positions: tuple[str, ...]


@dataclass(frozen=True)
class DemoClass:
    key: str
    school: str
    name: str
    grade: int
    class_teacher: str
    students: tuple[str, ...]


@dataclass(frozen=True)
class DemoSchool:
    key: str
    name: str
    municipality: str


@dataclass
class District:
    region_name: str = "Новосибирская область"
    municipalities: dict[str, str] = field(default_factory=dict)
    schools: list[DemoSchool] = field(default_factory=list)
    people: list[DemoPerson] = field(default_factory=list)
    staff: list[DemoStaff] = field(default_factory=list)
    classes: list[DemoClass] = field(default_factory=list)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parent -> children
    chats: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    contacts: list[tuple[str, str]] = field(default_factory=list)  # owner has contact's number

    def vk_ids(self) -> dict[str, int]:
        ids: dict[str, int] = {}
        for index, person in enumerate(self.people):
            if person.has_vk:
                ids[person.key] = FIRST_VK_ID + index
        return ids

    def person(self, key: str) -> DemoPerson:
        return next(p for p in self.people if p.key == key)


_BOYS = [
    "Артём",
    "Максим",
    "Иван",
    "Михаил",
    "Даниил",
    "Кирилл",
    "Егор",
    "Никита",
    "Тимофей",
    "Матвей",
    "Лев",
    "Роман",
]
_GIRLS = [
    "Анна",
    "Мария",
    "София",
    "Алиса",
    "Виктория",
    "Полина",
    "Дарья",
    "Ксения",
    "Варвара",
    "Ева",
    "Вероника",
    "Милана",
]
_SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
]
_PARENT_MEN = ["Алексей", "Андрей", "Сергей", "Дмитрий", "Павел", "Виктор"]
_PARENT_WOMEN = ["Елена", "Ольга", "Наталья", "Татьяна", "Юлия", "Светлана"]


def _female(surname: str) -> str:
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname


def build() -> District:
    d = District()
    d.municipalities = {"nsk": "город Новосибирск", "berdsk": "город Бердск"}
    d.schools = [
        DemoSchool("s112", "МБОУ СОШ № 112", "nsk"),
        DemoSchool("g5", "МАОУ «Гимназия № 5»", "berdsk"),
    ]
    staff_people = [
        ("smirnova", "Ирина", "Смирнова", "s112", ("teacher", "class_teacher")),
        ("kuznetsov", "Олег", "Кузнецов", "s112", ("teacher",)),
        ("volkova", "Анна", "Волкова", "s112", ("counsellor",)),
        ("orlov", "Дмитрий", "Орлов", "s112", ("admin", "director")),
        ("morozova", "Елена", "Морозова", "s112", ("teacher", "operator")),
        ("lebedeva", "Мария", "Лебедева", "g5", ("teacher", "class_teacher")),
        ("novikov", "Сергей", "Новиков", "g5", ("teacher", "admin")),
        ("sokolova", "Татьяна", "Соколова", "g5", ("counsellor",)),
    ]
    for index, (key, first, last, school, positions) in enumerate(staff_people):
        d.people.append(
            DemoPerson(
                key,
                first,
                last,
                date(1975 + index * 2, 3 + index, 10 + index),
                phone=f"+7913{5550100 + index:07d}",
            )
        )
        d.staff.append(DemoStaff(key, school, positions))

    class_specs = [
        ("s112-5a", "s112", "5А", 5, "kuznetsov"),
        ("s112-7b", "s112", "7Б", 7, "morozova"),
        ("s112-9a", "s112", "9А", 9, "smirnova"),
        ("s112-11a", "s112", "11А", 11, "smirnova"),
        ("g5-6a", "g5", "6А", 6, "lebedeva"),
        ("g5-10b", "g5", "10Б", 10, "novikov"),
    ]
    serial = 0
    for class_key, school, name, grade, teacher in class_specs:
        students: list[str] = []
        for slot in range(4):
            girl = slot % 2 == 1
            first = (_GIRLS if girl else _BOYS)[serial % 12]
            surname = _SURNAMES[serial % len(_SURNAMES)]
            last = _female(surname) if girl else surname
            born = date(
                2026 - 6 - grade - (1 if slot == 3 else 0),
                1 + (serial * 5) % 12,
                1 + (serial * 7) % 27,
            )
            key = f"st{serial:02d}"
            d.people.append(
                DemoPerson(key, first, last, born, phone=f"+7923{6660100 + serial:07d}")
            )
            students.append(key)
            serial += 1
        d.classes.append(DemoClass(class_key, school, name, grade, teacher, tuple(students)))

    # Parents: one for the first two students of each class; one mother of two children; one
    # journal parent without a VK account yet (she links by journal code).
    parent_index = 0
    for demo_class in d.classes:
        for child in demo_class.students[:2]:
            child_person = d.person(child)
            surname = (
                child_person.last_name.removesuffix("а")
                if child_person.last_name.endswith(("ова", "ева", "ёва", "ина"))
                else child_person.last_name
            )
            mother = parent_index % 2 == 0
            first = (_PARENT_WOMEN if mother else _PARENT_MEN)[parent_index % 6]
            key = f"pa{parent_index:02d}"
            d.people.append(
                DemoPerson(
                    key,
                    first,
                    _female(surname) if mother else surname,
                    date(1982 + parent_index % 8, 2 + parent_index % 10, 5 + parent_index),
                    phone=f"+7913{7770100 + parent_index:07d}",
                    has_vk=parent_index != 11,
                )
            )
            d.parents[key] = (child,)
            parent_index += 1
    # pa00 also has a younger child in 5А.
    d.parents["pa00"] = (*d.parents["pa00"], d.classes[0].students[2])

    d.people += [
        DemoPerson("guest-adult", "Алексей", "Гусев", date(1990, 6, 1), phone="+79130001122"),
        DemoPerson("guest-minor", "Кирилл", "Белов", date(2011, 9, 15), phone="+79130003344"),
        DemoPerson("guest-adult2", "Ольга", "Белова", date(1985, 4, 20), phone="+79130005566"),
    ]

    # Chats: each class with its class teacher; a parents' chat of 9А; staff chats.
    for demo_class in d.classes:
        d.chats.append(
            (
                f"chat-{demo_class.key}",
                f"{demo_class.name} класс",
                demo_class.school,
                (demo_class.class_teacher, *demo_class.students),
            )
        )
    parents_9a = tuple(p for p, kids in d.parents.items() if set(kids) & set(d.classes[2].students))
    d.chats.append(("chat-s112-9a-parents", "Родители 9А", "s112", ("smirnova", *parents_9a)))
    d.chats.append(
        (
            "chat-s112-staff",
            "Педагоги СОШ № 112",
            "s112",
            tuple(s.person for s in d.staff if s.school == "s112"),
        )
    )
    d.chats.append(
        (
            "chat-g5-staff",
            "Педагоги Гимназии № 5",
            "g5",
            tuple(s.person for s in d.staff if s.school == "g5"),
        )
    )
    d.chats.append(("chat-operators", "Операторы обращений", "s112", ("morozova", "orlov")))
    d.chats.append(
        ("chat-guests", "Кружок робототехники", "s112", ("guest-adult", "guest-minor", "st00"))
    )

    # Trusted pairs (both saved each other's number) and one-sided contacts.
    for parent, kids in d.parents.items():
        for kid in kids:
            d.contacts += [(parent, kid), (kid, parent)]
    d.contacts += [("smirnova", "pa04"), ("pa04", "smirnova"), ("guest-adult", "st01")]
    return d
