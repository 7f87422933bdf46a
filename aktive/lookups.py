"""Query lookups that Django leaves to the database where the database cannot cope."""

from django.db.models.lookups import In


class IntegerFieldIn(In):
    """``in`` on an integer column, without the numbers no row can hold.

    Django leaves out-of-range numbers out of ``exact``, ``lt`` and the like (it knows they match
    nothing), but passes them on in ``in``, where SQLite fails with "Python int too large to
    convert to SQLite INTEGER". Forms look up chosen ids with ``pk__in``: a tampered form with
    an id of 30 digits was a 500 on every page with a multiple choice.
    """

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
