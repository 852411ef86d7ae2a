"""The catalogue as a Django TestCase: shared rows made once per class in setUpTestData."""

import datetime

from django.db import IntegrityError, transaction
from django.test import TestCase

from catalog import services
from catalog.models import Book, Copy, Edition
from tests import factories

D = datetime.date


class CatalogueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.publisher = factories.make_publisher(name="Kestrel House Test")
        cls.author = factories.make_author(name="Ines Calder")
        cls.genre = factories.make_genre()
        cls.book = services.register_book(
            title="Lanterns",
            isbn="0-306-40615-2",
            publisher=cls.publisher,
            authors=[cls.author],
            genres=[cls.genre],
            page_count=280,
            published_on=D(2018, 4, 2),
        )
        cls.edition = services.add_edition(
            cls.book, format=Edition.Format.HARDCOVER, list_price_cents=2200
        )
        cls.copies = services.acquire_copies(cls.edition, 2, acquired_on=D(2019, 1, 1), prefix="KH")

    def test_registered_book(self):
        self.assertEqual(self.book.isbn, "9780306406157")
        self.assertEqual(self.book.slug, "lanterns")
        self.assertEqual(self.book.author_names(), ["Ines Calder"])

    def test_copies_have_sequential_barcodes(self):
        self.assertEqual([c.barcode for c in self.copies], ["KH000001", "KH000002"])

    def test_book_is_available(self):
        self.assertTrue(self.book.is_available())
        self.assertEqual(self.book.available_copy().barcode, "KH000001")

    def test_changes_are_rolled_back_between_tests_part_one(self):
        Copy.objects.filter(edition=self.edition).update(status=Copy.Status.LOST)
        self.assertFalse(self.book.is_available())

    def test_changes_are_rolled_back_between_tests_part_two(self):
        self.assertEqual(Copy.objects.filter(edition=self.edition, status="available").count(), 2)

    def test_in_memory_changes_do_not_leak_part_one(self):
        self.book.title = "Changed in memory"
        self.book.save()

    def test_in_memory_changes_do_not_leak_part_two(self):
        self.assertEqual(self.book.title, "Lanterns")
        self.assertEqual(Book.objects.get(pk=self.book.pk).title, "Lanterns")

    def test_replacement_cost(self):
        self.assertEqual(self.book.replacement_cost_cents(default=1), 2200)

    def test_second_registration_is_refused(self):
        with self.assertRaises(services.CatalogError):
            services.register_book(
                title="Lanterns again",
                isbn="9780306406157",
                publisher=self.publisher,
                authors=[self.author],
            )

    def test_duplicate_edition_violates_constraint(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Edition.objects.create(book=self.book, format=Edition.Format.HARDCOVER, number=1)

    def test_query_count_of_book_list(self):
        factories.make_book(title="Second")
        with self.assertNumQueries(2):
            # the books with their publisher joined in, then the prefetched authors
            response = self.client.get("/api/books/")
        self.assertEqual(response.json()["count"], 2)

    def test_detail_through_client(self):
        data = self.client.get("/api/books/lanterns/").json()
        self.assertEqual(data["available_copies"], 2)
        self.assertEqual(data["editions"], [{"format": "hardcover", "number": 1, "copies": 2}])


class SlugTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first = factories.make_book(title="Echo", slug="echo")

    def test_second_echo_is_suffixed(self):
        self.assertEqual(services.unique_slug("Echo"), "echo-2")

    def test_rename_to_own_title_keeps_slug(self):
        services.rename_book(self.first, "Echo")
        self.assertEqual(self.first.slug, "echo")

    def test_subTest_titles(self):
        for title, slug in [
            ("Échos d'été", "echos-dete"),
            ("Echo Park", "echo-park"),
            ("  ", "book"),
        ]:
            with self.subTest(title=title):
                self.assertEqual(services.unique_slug(title), slug)
