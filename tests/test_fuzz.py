"""Mutated real files through every loader (a small budget here; benchmarks/fuzz.py runs
10 000 cases and more): each loads or is refused in one line naming it, never a traceback.
And the grammar's fuzzer: every class of designation, rendered, then misspelled with
look-alike characters, spacing and case, reads back as the same designation."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.catalogue.store import Store
from kb.identifiers.designation import parse
from tests.fuzz import CLASSES, generated_seeds, misspelled, mutate, run_case, seeds

SEEDS = seeds()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    for loader, paths in generated_seeds(folder).items():
        SEEDS.setdefault(loader, []).extend(paths)
    store = Store(folder / "fuzz.db")
    yield store, folder
    store.close()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_files_load_or_are_refused_in_one_line(workspace, data):
    store, folder = workspace
    loader = data.draw(st.sampled_from(sorted(SEEDS)), label="loader")
    seed = data.draw(st.sampled_from(SEEDS[loader]), label="seed")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="mutation seed"))
    finding = run_case(store, loader, seed, mutate(seed.read_bytes(), rng), folder)
    assert finding is None, finding


def test_every_loader_has_seeds():
    """The fuzzer reaches the loaders whose seeds the project owns (the others' come from
    the shared corpus when it is there)."""
    assert {"catalogue", "sts", "text", "bulletin"} <= set(SEEDS)


@pytest.mark.parametrize("name", sorted(CLASSES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_misspelled_designations_read_as_themselves(name, data):
    """parse(render(x)) == x, and so for the rendering misspelled (look-alike colons, hyphens,
    slashes and spaces, spaces around separators, invisible characters, any case)."""
    designation = data.draw(CLASSES[name], label="designation")
    written = str(designation)
    assert parse(written) == designation
    typed = data.draw(misspelled(written), label="written")
    assert parse(typed) == designation, (typed, written)
