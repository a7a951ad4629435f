from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pytest

from trustops.listen.formats import FORMATS, ColumnMap, LineError, parse_mention_lines, read_mentions
from trustops.listen.schema import Channel, MentionIn

FIXTURES = Path(__file__).parent / "fixtures"
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
AIRLINE = DATA / "airline_tweets.csv"
AIRLINE_COLUMNS = ["external_id=tweet_id", "published_at=tweet_created", "author=name"]


def read(text: str, fmt: str, **kwargs) -> list[tuple[int, MentionIn | LineError]]:
    return list(read_mentions(io.StringIO(text), fmt, **kwargs))


def read_fixture(name: str, fmt: str, encoding: str = "utf-8", **kwargs) -> list[tuple[int, MentionIn | LineError]]:
    with (FIXTURES / name).open(encoding=encoding, newline="") as stream:
        return list(read_mentions(stream, fmt, **kwargs))


def mentions(items) -> list[MentionIn]:
    assert [item for _, item in items if isinstance(item, LineError)] == []
    return [item for _, item in items]


def errors(items) -> list[LineError]:
    return [item for _, item in items if isinstance(item, LineError)]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The API ------------------------------------------------------------------------------------------------------


def test_an_unknown_format_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="'excel'.*csv, ndjson, meltwater, talkwalker, brandwatch"):
        read_mentions(io.StringIO(""), "excel")
    assert FORMATS == ("csv", "ndjson", "meltwater", "talkwalker", "brandwatch")


def test_a_column_map_is_refused_for_formats_other_than_csv():
    with pytest.raises(ValueError, match="csv format only"):
        read_mentions(io.StringIO(""), "meltwater", columns=ColumnMap({"text": "tweet"}))


def test_records_are_parsed_lazily_as_the_file_is_read():
    class CountingStream(io.StringIO):
        lines_read = 0

        def __next__(self) -> str:
            self.lines_read += 1
            return super().__next__()

    body = "external_id,published_at,text\n" + "".join(f"id-{n},2024-05-19T09:00:00Z,post {n}\n" for n in range(1000))
    stream = CountingStream(body)
    first = next(read_mentions(stream, "csv"))
    assert first[0] == 2
    assert stream.lines_read < 10


# ColumnMap ---------------------------------------------------------------------------------------------------------


def test_a_column_map_reads_repeated_and_comma_separated_items():
    columns = ColumnMap.parse(["text=tweet,published_at=tweet_created", " author = name "])
    assert columns.mapping == {"text": "tweet", "published_at": "tweet_created", "author": "name"}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("text", "'text' is not FIELD=COLUMN"),
        ("text=", "'text=' is not FIELD=COLUMN"),
        ("body=tweet", "unknown field 'body'; fields: source, external_id"),
        ("metadata=extra", "unknown field 'metadata'"),
        ("text=a,text=b", "field 'text' is mapped twice"),
    ],
)
def test_a_bad_column_map_item_is_named(item, reason):
    with pytest.raises(ValueError, match=reason):
        ColumnMap.parse([item])


# Generic CSV --------------------------------------------------------------------------------------------------------


def test_a_csv_with_our_column_names_maps_every_field():
    first, second, third = mentions(read_fixture("mentions.csv", "csv"))
    assert first.source == "csv"
    assert first.external_id == "m-1"
    assert first.text == "Checkout keeps failing with a payment error"
    assert (first.author, first.channel, first.language, first.author_reach) == ("ana_b", Channel.X, "en", 120)
    assert first.metadata == {"region": "north"}
    assert second.text == "The app is down again.\nSecond line of the same post."
    assert second.channel is Channel.FACEBOOK
    assert (third.author_reach, third.metadata) == (1500, {})


def test_csv_dates_with_an_offset_are_converted_to_utc_and_epochs_are_read():
    first, second, third = mentions(read_fixture("mentions.csv", "csv"))
    assert first.published_at == at(2024, 5, 19, 9, 15)
    assert second.published_at == at(2024, 5, 19, 19, 35, 52)  # 11:35:52 -0800
    assert third.published_at == at(2024, 5, 19, 10, 0)  # epoch seconds 1716112800


def test_a_csv_date_without_a_zone_is_taken_as_utc_and_epoch_milliseconds_are_recognised():
    items = read("external_id,published_at,text\na,2024-05-19 09:15:00,hi\nb,1716112800000,hi\n", "csv")
    assert [mention.published_at for mention in mentions(items)] == [at(2024, 5, 19, 9, 15), at(2024, 5, 19, 10)]


def test_csv_line_numbers_count_the_physical_lines_of_multi_line_fields():
    assert [line for line, _ in read_fixture("mentions.csv", "csv")] == [2, 3, 5]


def test_bad_csv_rows_are_reported_with_their_line_while_good_rows_still_come_out():
    body = (
        "external_id,published_at,text\n"
        "a,2024-05-19T09:00:00Z,fine\n"
        'b,yesterday,"a post\nover two lines"\n'
        "c,2024-05-19T09:00:00Z,\n"
        "d,2024-05-19T09:00:00Z,one,too many\n"
        "e,2024-05-19T09:00:00Z\n"
        "\n"
        "f,2024-05-19T10:00:00Z,also fine\n"
    )
    items = read(body, "csv")
    assert [(line, item.external_id) for line, item in items if isinstance(item, MentionIn)] == [(2, "a"), (9, "f")]
    assert [(error.line, error.message) for error in errors(items)] == [
        (3, "published_at: 'yesterday' is not a date"),
        (5, "text: missing"),
        (6, "row has 4 fields, the header has 3"),
        (7, "row has 2 fields, the header has 3"),
    ]


def test_a_field_too_large_for_csv_is_reported_and_reading_goes_on():
    body = f'external_id,published_at,text\na,2024-05-19,ok\nb,2024-05-19,"{"x" * 140_000}"\nc,2024-05-19,ok\n'
    items = read(body, "csv")
    assert [(line, item.external_id) for line, item in items if isinstance(item, MentionIn)] == [(2, "a"), (4, "c")]
    assert errors(items) == [LineError(3, "unreadable CSV: field larger than field limit (131072)")]


def test_a_pydantic_error_names_the_field_and_the_value():
    items = read("external_id,published_at,text,author_reach,channel\na,2024-05-19,hi,-5,x\n", "csv")
    assert errors(items) == [LineError(2, "author_reach: input should be greater than or equal to 0 (value -5)")]


def test_an_error_about_a_long_text_gives_its_length_not_the_text():
    items = read(f"external_id,published_at,text\na,2024-05-19,{'x' * 20_001}\n", "csv")
    assert errors(items) == [
        LineError(2, "text: string should have at most 20000 characters (value of 20001 characters)")
    ]


def test_a_csv_column_map_reads_other_column_names_and_keeps_the_rest_as_metadata():
    body = "tweet,created,who,likes\nPayment failed,2024-05-19T09:00:00+01:00,zoe,3\n"
    columns = ColumnMap.parse(["text=tweet", "published_at=created", "author=who"])
    (mention,) = mentions(read(body, "csv", columns=columns, source="survey"))
    assert (mention.source, mention.text, mention.author) == ("survey", "Payment failed", "zoe")
    assert mention.published_at == at(2024, 5, 19, 8)
    assert mention.metadata == {"likes": "3"}


def test_a_csv_without_an_id_column_gets_a_stable_hash_id_so_reimports_dedupe():
    body = "text,published_at,author\nsite down,2024-05-19T09:00:00Z,ana\nsite down,2024-05-19T09:00:00Z,bo\n"
    first = [mention.external_id for mention in mentions(read(body, "csv"))]
    again = [mention.external_id for mention in mentions(read(body, "csv"))]
    assert first == again
    assert first[0] != first[1]
    assert first[0].startswith("sha256:") and len(first[0]) == len("sha256:") + 64


def test_the_hash_id_does_not_depend_on_how_the_date_was_written():
    utc = read("text,published_at\nsite down,2024-05-19T09:00:00Z\n", "csv")
    offset = read("text,published_at\nsite down,2024-05-19 01:00:00 -0800\n", "csv")
    assert mentions(utc)[0].external_id == mentions(offset)[0].external_id


def test_a_csv_missing_a_required_column_is_reported_once_on_the_header_line():
    items = read("tweet,when\nhi,2024-05-19\nho,2024-05-20\n", "csv")
    assert len(items) == 1
    assert items[0][0] == 1
    assert items[0][1].message == (
        "header: no column 'published_at' (for published_at) or 'text' (for text); the columns are tweet, when"
    )


def test_a_mapped_column_absent_from_the_header_is_named():
    items = read("text,published_at\nhi,2024-05-19\n", "csv", columns=ColumnMap.parse(["external_id=tweet_id"]))
    assert errors(items)[0].message.startswith("header: no column 'tweet_id' (for external_id)")


def test_an_empty_csv_says_so():
    assert read("", "csv") == [(1, LineError(1, "header: the file is empty"))]


def test_a_utf8_byte_order_mark_and_semicolons_are_handled():
    (mention,) = mentions(read("\ufeffexternal_id;published_at;text\na;2024-05-19;bonjour\n", "csv"))
    assert (mention.external_id, mention.text) == ("a", "bonjour")


# NDJSON --------------------------------------------------------------------------------------------------------------


def test_ndjson_fills_a_missing_source_and_skips_blank_lines():
    items = read_fixture("mentions.ndjson", "ndjson", source="import")
    assert [line for line, _ in items] == [1, 3]
    first, second = mentions(items)
    assert (first.source, first.channel, first.published_at) == ("api", Channel.X, at(2024, 5, 19, 7, 15))
    assert (second.source, second.published_at, second.metadata) == ("import", at(2024, 5, 19, 10), {"ticket": 42})


def test_ndjson_without_a_source_argument_uses_the_format_name():
    second = mentions(read_fixture("mentions.ndjson", "ndjson"))[1]
    assert second.source == "ndjson"


def test_api_lines_must_name_their_source_and_bad_lines_do_not_stop_the_good_ones():
    lines = [
        '{"source": "api", "external_id": "1", "published_at": "2024-05-19T09:00:00Z", "text": "ok"}',
        '{"external_id": "2", "published_at": "2024-05-19T09:00:00Z", "text": "no source"}',
        '{"source": "api", "external_id": "3", "published_at": "x", "text": "bad date"}',
        '{"source": "api", "external_id": 4, "published_at": 1716112800, "text": "numeric id", "mood": "sad"}',
        "[1, 2]",
        '{"source": "api", "external_id": "5",',
        "",
        '{"source": "api", "external_id": 6, "published_at": "2024-05-19T09:00:00Z", "text": "numeric id"}',
    ]
    items = list(parse_mention_lines(lines))
    good = [(line, item.external_id) for line, item in items if isinstance(item, MentionIn)]
    assert good == [(1, "1"), (4, "4"), (8, "6")]
    assert next(item for line, item in items if line == 4).metadata == {"mood": "sad"}
    assert [(error.line, error.message) for error in errors(items)] == [
        (2, "source: missing"),
        (3, "published_at: 'x' is not a date"),
        (5, "expected a JSON object, found an array"),
        (6, "invalid JSON: Expecting property name enclosed in double quotes (column 38)"),
    ]


def test_an_invalid_channel_in_ndjson_is_reported_with_its_value():
    line = '{"source": "api", "external_id": "1", "published_at": "2024-05-19", "text": "hi", "channel": "tv"}'
    ((_, error),) = list(parse_mention_lines([line]))
    assert isinstance(error, LineError)
    assert error.message.startswith("channel: input should be 'x', 'facebook'")
    assert error.message.endswith("(value 'tv')")


# Meltwater ---------------------------------------------------------------------------------------------------------


def test_a_meltwater_utf16_tab_export_maps_its_title_case_columns():
    tweet, article = mentions(read_fixture("meltwater.tsv", "meltwater", encoding="utf-16"))
    assert tweet.source == "meltwater"
    assert tweet.external_id == "1791000000000000001"
    assert (tweet.text, tweet.title) == ("@shop my payment failed twice", None)
    assert (tweet.author, tweet.author_reach, tweet.vendor_sentiment) == ("ana_b", 1250, "Negative")
    assert (tweet.channel, tweet.language, tweet.published_at) == (Channel.X, "en", at(2024, 5, 19, 9, 15))
    assert article.external_id == "https://news.example/shop-outage"
    assert (article.text, article.title) == (
        "Customers of Shop could not pay on Sunday morning.",
        "Shop outage hits customers",
    )
    assert (article.author, article.author_reach, article.channel) == ("Dana Reporter", 50000, Channel.NEWS)


def test_meltwater_metadata_keeps_context_but_nothing_that_identifies_the_author():
    tweet, _ = mentions(read_fixture("meltwater.tsv", "meltwater", encoding="utf-16"))
    assert tweet.metadata == {"media_type": "Twitter", "country": "Spain", "reach": "900"}


def test_a_comma_separated_meltwater_export_without_ids_gets_stable_hash_ids():
    body = (
        "\ufeffAlternate Date Format,Time,Headline,Opening Text,Source,Sentiment\n"
        '"May 19, 2024",09:15 AM,Shop down,Shop\'s site was down for an hour,Blogs,Negative\n'
        '"May 19, 2024",not a time,Shop up,Back again,Forums,Positive\n'
    )
    items = read(body, "meltwater")
    (mention,) = [item for _, item in items if isinstance(item, MentionIn)]
    assert (mention.published_at, mention.channel) == (at(2024, 5, 19, 9, 15), Channel.BLOG)
    assert mention.text == "Shop's site was down for an hour"
    assert mention.external_id == mentions(read(body, "meltwater")[:1])[0].external_id
    assert errors(items) == [LineError(3, "published_at: 'May 19, 2024 not a time' is not a date")]


def test_a_file_that_is_not_a_meltwater_export_is_reported_once():
    assert read("a,b\n1,2\n", "meltwater") == [
        (1, LineError(1, "header: no row with Date and Hit Sentence / Opening Text / Headline in the first 20 rows"))
    ]


# Talkwalker --------------------------------------------------------------------------------------------------------


def test_a_talkwalker_api_response_maps_its_documents_with_their_lines():
    items = read_fixture("talkwalker.json", "talkwalker")
    assert [line for line, _ in items] == [7, 20]
    tweet, post = mentions(items)
    assert tweet.source == "talkwalker"
    assert tweet.external_id.startswith("sha256:")  # Talkwalker leaves url empty on X results
    assert (tweet.published_at, tweet.author, tweet.author_reach) == (at(2024, 5, 19, 9, 15), "eli_m", 340)
    assert (tweet.channel, tweet.vendor_sentiment, tweet.language) == (Channel.X, "-3", "en")
    assert tweet.metadata["indexed_at"] == "2024-05-19T09:17:00+00:00"
    assert tweet.metadata["engagement"] == 12
    assert (post.external_id, post.title, post.channel) == (
        "https://blog.example/2024/05/shop-checkout",
        "Why the shop checkout broke",
        Channel.BLOG,
    )
    assert post.text == "A look at Sunday's checkout failures."
    assert post.metadata["country"] == "fr"


def test_talkwalker_ndjson_of_documents_or_wrapped_documents_is_read():
    first, second = mentions(read_fixture("talkwalker.ndjson", "talkwalker"))
    assert (first.external_id, first.channel, first.vendor_sentiment) == (
        "https://forum.example/t/123",
        Channel.FORUM,
        "-1",
    )
    assert (second.external_id, second.channel, second.published_at) == ("tw-77", Channel.X, at(2024, 5, 19, 13))


def test_a_compact_talkwalker_response_on_one_line_is_expanded():
    body = '{"result_content": {"data": [{"data": {"url": "u1", "published": 1716110100000, "content": "a"}}, {"data": {"url": "u2", "published": 1716110100000, "content": "b"}}]}}\n'
    assert [(line, m.external_id) for line, m in read(body, "talkwalker")] == [(1, "u1"), (1, "u2")]


def test_a_bad_talkwalker_document_is_reported_and_the_others_come_out():
    body = '[\n  {"url": "u1", "published": 1716110100000, "content": "ok"},\n  {"url": "u2", "published": "soon"}\n]\n'
    items = read(body, "talkwalker")
    assert [(line, item.external_id) for line, item in items if isinstance(item, MentionIn)] == [(2, "u1")]
    assert errors(items) == [LineError(3, "published_at: 'soon' is not a date")]


def test_broken_talkwalker_json_is_reported_at_its_line():
    body = '{\n  "result_content": {\n    "data": [\n      {"data": {"url": "u1", "published": 1716110100000, "content": "ok"}},\n      {"data": {"url": }}\n'
    items = read(body, "talkwalker")
    assert [item.external_id for _, item in items if isinstance(item, MentionIn)] == ["u1"]
    assert errors(items) == [LineError(5, "invalid JSON: Expecting value (column 24)")]


def test_a_talkwalker_document_without_results_is_reported():
    assert read('{\n  "status_code": "5"\n}\n', "talkwalker") == [
        (1, LineError(1, "result_content.data: not found in the JSON document"))
    ]


# Brandwatch --------------------------------------------------------------------------------------------------------


def test_brandwatch_mention_json_maps_its_camel_case_fields():
    items = read_fixture("brandwatch.json", "brandwatch")
    assert [line for line, _ in items] == [5, 20]
    tweet, review = mentions(items)
    assert (tweet.source, tweet.external_id, tweet.channel) == ("brandwatch", "1791000000000000099", Channel.X)
    assert (tweet.text, tweet.author, tweet.author_reach) == ("The shop took my money but shows no order", "fin_o", 410)
    assert (tweet.vendor_sentiment, tweet.published_at) == ("negative", at(2024, 5, 19, 12))
    assert tweet.metadata == {"domain": "twitter.com", "tags": ["payments"]}
    assert (review.external_id, review.channel, review.title) == ("r-555", Channel.REVIEW, "Mixed feelings")
    assert (review.text, review.published_at) == ("Review: fast delivery, site was slow", at(2024, 5, 19, 12, 30))
    assert review.metadata == {"indexed_at": "2024-05-19T12:45:00+00:00"}


def test_a_brandwatch_list_and_brandwatch_ndjson_are_read_too():
    mention = {"guid": "g1", "date": "2024-05-19T12:00:00Z", "snippet": "hi", "pageType": "forum"}
    as_list = read(json.dumps([mention]), "brandwatch")
    as_lines = read(f"{json.dumps(mention)}\n{json.dumps({**mention, 'guid': 'g2'})}\n", "brandwatch")
    assert [(line, m.external_id, m.channel) for line, m in as_list] == [(1, "g1", Channel.FORUM)]
    assert [(line, m.external_id) for line, m in as_lines] == [(1, "g1"), (2, "g2")]


def test_a_brandwatch_ui_csv_is_read_below_its_report_preamble():
    items = read_fixture("brandwatch.csv", "brandwatch")
    assert [line for line, _ in items] == [6, 7]
    post, article = mentions(items)
    assert (post.external_id, post.channel, post.author, post.author_reach) == ("rd-1", Channel.REDDIT, "gus_w", 75)
    assert post.text == 'Checkout spins forever, then "error 500"'
    assert post.published_at == at(2024, 5, 19, 16, 5)
    assert post.metadata == {
        "domain": "reddit.com",
        "country": "United Kingdom",
        "query_id": "123",
        "query_name": "Shop brand",
    }
    assert (article.external_id, article.title, article.channel) == (
        "https://news.example/shop-back",
        "Status update",
        Channel.NEWS,
    )


# Every format ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "encoding"),
    [
        ("mentions.csv", "csv", "utf-8"),
        ("mentions.ndjson", "ndjson", "utf-8"),
        ("meltwater.tsv", "meltwater", "utf-16"),
        ("talkwalker.json", "talkwalker", "utf-8"),
        ("talkwalker.ndjson", "talkwalker", "utf-8"),
        ("brandwatch.json", "brandwatch", "utf-8"),
        ("brandwatch.csv", "brandwatch", "utf-8"),
    ],
)
def test_reading_a_file_again_yields_the_same_external_ids(name, fmt, encoding):
    first = [mention.external_id for mention in mentions(read_fixture(name, fmt, encoding))]
    again = [mention.external_id for mention in mentions(read_fixture(name, fmt, encoding))]
    assert first == again
    assert len(set(first)) == len(first) >= 2


# Real data -----------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not AIRLINE.exists(), reason=f"{AIRLINE} is absent (../shared/data is not in a fresh clone)")
def test_the_airline_tweets_csv_parses_without_errors():
    columns = ColumnMap.parse(AIRLINE_COLUMNS)
    with AIRLINE.open(encoding="utf-8", newline="") as stream:
        items = list(islice(read_mentions(stream, "csv", columns=columns), 2_000))
    assert len(items) == 2_000
    parsed = mentions(items)
    assert parsed[0].external_id == "570306133677760513"
    assert parsed[0].published_at == at(2015, 2, 24, 19, 35, 52)  # "2015-02-24 11:35:52 -0800"
    assert all(at(2015, 2, 16) <= mention.published_at < at(2015, 2, 26) for mention in parsed)
    assert {"airline", "airline_sentiment"} <= parsed[0].metadata.keys()
