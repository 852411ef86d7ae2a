"""What transactional tests in this suite share.

A transactional test (``TransactionTestCase``, ``django_db(transaction=True)``) commits for
real and empties the tables afterwards. Django then re-creates content types and
permissions (the post_migrate signal) with new primary keys, and a later
``serialized_rollback`` test fails to reload the serialized rows over them
(IntegrityError on django_content_type). Limiting such tests to the project's own
apps with ``available_apps`` avoids that: only these apps' tables are flushed and
post_migrate is not sent, so contrib.auth/contenttypes rows are left alone. Don't
create users in these tests (auth is not flushed).
"""

from django.test import TransactionTestCase

LIBRARY_APPS = ["catalog", "members", "loans", "reviews"]


class LibraryTransactionTestCase(TransactionTestCase):
    available_apps = LIBRARY_APPS
