//! The database reader against real PostgreSQL and MariaDB servers.
//!
//! The servers come from `scripts/ci/start-databases.sh` (started by `.ci/run`
//! and `scripts/test.sh`), found through `HUAXIANG_TEST_PG_URL`,
//! `HUAXIANG_TEST_MYSQL_URL` and `HUAXIANG_TEST_DB_PASSWORD`. Without them the
//! tests fail under CI and are skipped (with a message) elsewhere.
//!
//! Every test works on its own tables, so the tests may run in parallel.

mod db_reader {
    use arrow::array::Array;
    use huaxiang_ingest::reader::db::{DbError, DbReader, DbSource};
    use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
    use sqlx::postgres::{PgConnectOptions, PgConnection};
    use sqlx::{ConnectOptions, Executor};

    const PG_URL: &str = "HUAXIANG_TEST_PG_URL";
    const MYSQL_URL: &str = "HUAXIANG_TEST_MYSQL_URL";
    const PASSWORD: &str = "HUAXIANG_TEST_DB_PASSWORD";

    /// The server URL and password, or `None` (skip) outside CI when unset.
    fn server(url_var: &str) -> Option<(String, String)> {
        let url = std::env::var(url_var).ok().filter(|v| !v.is_empty());
        let password = std::env::var(PASSWORD).ok();
        match (url, password) {
            (Some(url), Some(password)) => Some((url, password)),
            _ => {
                let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
                assert!(
                    !in_ci,
                    "{url_var} and {PASSWORD} must be set under CI: run the tests with scripts/test.sh"
                );
                eprintln!(
                    "skipping: {url_var} / {PASSWORD} are not set; run scripts/test.sh \
                     (it starts PostgreSQL and MariaDB) or `bash .ci/run` to install them"
                );
                None
            }
        }
    }

    async fn pg_admin(url: &str, password: &str) -> PgConnection {
        let options: PgConnectOptions = url.parse().expect("valid PostgreSQL URL");
        options
            .password(password)
            .connect()
            .await
            .expect("connect to the test PostgreSQL")
    }

    async fn mysql_admin(url: &str, password: &str) -> MySqlConnection {
        let options: MySqlConnectOptions = url.parse().expect("valid MySQL URL");
        options
            .password(password)
            .connect()
            .await
            .expect("connect to the test MariaDB")
    }

    /// Everything a reader delivered: names, lines, batch sizes and rows.
    struct Read {
        names: Vec<String>,
        lines: Vec<u64>,
        batch_sizes: Vec<usize>,
        rows: Vec<Vec<Option<String>>>,
    }

    async fn read_all(src: &DbSource, batch_rows: usize) -> Result<Read, DbError> {
        let mut reader = DbReader::open(src, batch_rows).await?;
        let names = reader.names().to_vec();
        let mut read = Read {
            names: names.clone(),
            lines: Vec::new(),
            batch_sizes: Vec::new(),
            rows: Vec::new(),
        };
        while let Some(batch) = reader.next_batch().await? {
            assert_eq!(batch.names, names);
            assert_eq!(batch.columns.len(), names.len());
            assert!(batch.num_rows() <= batch_rows);
            read.batch_sizes.push(batch.num_rows());
            read.lines.extend_from_slice(&batch.lines);
            for r in 0..batch.num_rows() {
                read.rows.push(
                    batch
                        .columns
                        .iter()
                        .map(|col| col.is_valid(r).then(|| col.value(r).to_owned()))
                        .collect(),
                );
            }
        }
        // The end is sticky.
        assert!(reader.next_batch().await?.is_none());
        Ok(read)
    }

    /// Compares every value, naming the row and column of the first difference.
    fn assert_rows(read: &Read, expected: &[&[Option<&str>]]) {
        assert_eq!(read.rows.len(), expected.len(), "number of rows");
        for (r, (got, want)) in read.rows.iter().zip(expected).enumerate() {
            assert_eq!(got.len(), want.len(), "row {} width", r + 1);
            for (c, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                assert_eq!(g.as_deref(), *w, "row {}, column `{}`", r + 1, read.names[c]);
            }
        }
    }

    fn names(list: &str) -> Vec<String> {
        list.split(',').map(str::to_owned).collect()
    }

    // ------------------------------------------------------------ PostgreSQL

    #[tokio::test]
    async fn pg_every_type_reads_as_canonical_text() {
        let Some((url, password)) = server(PG_URL) else {
            return;
        };
        let mut admin = pg_admin(&url, &password).await;
        admin
            .execute(
                r#"
                DROP TABLE IF EXISTS hx_pg_types;
                CREATE TABLE hx_pg_types (
                    id int4, t text, vc varchar(20), ch char(4), i2 int2, i8 int8,
                    f4 real, f8 double precision, num numeric(40, 10), b bool, d date,
                    ts timestamp, tstz timestamptz, j json, jb jsonb, bin bytea, u uuid
                );
                SET TIME ZONE 'Asia/Shanghai';
                INSERT INTO hx_pg_types VALUES
                (1, '你好，世界 Zoë', 'abc', 'ab', -32768, 9223372036854775807,
                 1.5, 0.1, 12345.678, true, '2024-02-29',
                 '2024-02-29 13:45:01.123456', '2024-02-29 13:45:01+08',
                 '{"a": [1, 2]}', '{"b": 1, "a": "x"}', '\x00ff10',
                 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
                (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL, NULL, NULL, NULL, NULL, NULL),
                (3, '', ' x ', 'abcd', 0, -1, -0.25, 1e300, -0.001, false, '0001-01-01',
                 '1999-12-31 23:59:59', '1970-01-01 08:00:00.5', 'null', '[]', '\x', NULL),
                (4, 'line1
                line2', 'tab' || chr(9) || 'q"uote', '中', 32767, -9223372036854775808,
                 3.4028235e38, -2.5e-10, 123456789012345678901234567890.1234567891,
                 NULL, '2024-12-31', '2024-12-31 00:00:00.000001', NULL,
                 '{"k": "中文"}', '{"k": "中文"}', '\xdeadbeef', NULL),
                (5, 'last', NULL, NULL, 7, 7, 0, 0, 0, true, NULL, NULL, NULL, NULL, NULL,
                 NULL, NULL);
                "#,
            )
            .await
            .expect("create the PostgreSQL test table");

        let src = DbSource {
            url: url.clone(),
            password: Some(password.clone()),
            query: "hx_pg_types".to_owned(),
        };
        let read = read_all(&src, 2).await.expect("read the PostgreSQL table");
        assert_eq!(read.names, names("id,t,vc,ch,i2,i8,f4,f8,num,b,d,ts,tstz,j,jb,bin,u"));
        assert_eq!(read.lines, vec![1, 2, 3, 4, 5]);
        assert_eq!(read.batch_sizes, vec![2, 2, 1]);
        let expected: &[&[Option<&str>]] = &[
            &[
                Some("1"),
                Some("你好，世界 Zoë"),
                Some("abc"),
                Some("ab  "),
                Some("-32768"),
                Some("9223372036854775807"),
                Some("1.5"),
                Some("0.1"),
                Some("12345.6780000000"),
                Some("true"),
                Some("2024-02-29"),
                Some("2024-02-29T13:45:01.123456"),
                Some("2024-02-29T05:45:01Z"),
                Some(r#"{"a": [1, 2]}"#),
                Some(r#"{"a": "x", "b": 1}"#),
                Some("00ff10"),
                Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            ],
            &[
                Some("2"),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            &[
                Some("3"),
                Some(""),
                Some(" x "),
                Some("abcd"),
                Some("0"),
                Some("-1"),
                Some("-0.25"),
                Some("1e300"),
                Some("-0.0010000000"),
                Some("false"),
                Some("0001-01-01"),
                Some("1999-12-31T23:59:59"),
                Some("1970-01-01T00:00:00.500000Z"),
                Some("null"),
                Some("[]"),
                Some(""),
                None,
            ],
            &[
                Some("4"),
                Some("line1\n                line2"),
                Some("tab\tq\"uote"),
                Some("中   "),
                Some("32767"),
                Some("-9223372036854775808"),
                Some("3.4028235e38"),
                Some("-2.5e-10"),
                Some("123456789012345678901234567890.1234567891"),
                None,
                Some("2024-12-31"),
                Some("2024-12-31T00:00:00.000001"),
                None,
                Some(r#"{"k": "中文"}"#),
                Some(r#"{"k": "中文"}"#),
                Some("deadbeef"),
                None,
            ],
            &[
                Some("5"),
                Some("last"),
                None,
                None,
                Some("7"),
                Some("7"),
                Some("0"),
                Some("0"),
                Some("0.0000000000"),
                Some("true"),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ];
        assert_rows(&read, expected);

        // A query instead of a table name, read in one batch.
        let src = DbSource {
            query: "SELECT id, t AS \"名字\", num::numeric(10,2) AS n FROM hx_pg_types \
                    WHERE id IN (1, 3) ORDER BY id DESC;"
                .to_owned(),
            ..src
        };
        let read = read_all(&src, 100).await.expect("run the PostgreSQL query");
        assert_eq!(read.names, names("id,名字,n"));
        assert_eq!(read.lines, vec![1, 2]);
        assert_eq!(read.batch_sizes, vec![2]);
        assert_rows(
            &read,
            &[
                &[Some("3"), Some(""), Some("0.00")],
                &[Some("1"), Some("你好，世界 Zoë"), Some("12345.68")],
            ],
        );

        // An empty result: names, and no batch at all.
        let src = DbSource {
            query: "SELECT id, b FROM hx_pg_types WHERE false".to_owned(),
            ..src
        };
        let read = read_all(&src, 2).await.expect("run the empty query");
        assert_eq!(read.names, names("id,b"));
        assert!(read.batch_sizes.is_empty());
    }

    #[tokio::test]
    async fn pg_large_results_stream_in_batches() {
        let Some((url, password)) = server(PG_URL) else {
            return;
        };
        let src = DbSource {
            url,
            password: Some(password),
            query: "SELECT g AS n, repeat('x', g % 7) AS s FROM generate_series(1, 25000) AS g".to_owned(),
        };
        let mut reader = DbReader::open(&src, 1000).await.expect("open");
        let mut expected_line = 1;
        let mut batches = 0;
        while let Some(batch) = reader.next_batch().await.expect("batch") {
            batches += 1;
            assert_eq!(batch.num_rows(), 1000);
            for (r, line) in batch.lines.iter().enumerate() {
                assert_eq!(*line, expected_line);
                assert_eq!(batch.columns[0].value(r), line.to_string());
                assert_eq!(batch.columns[1].value(r).len() as u64, line % 7);
                expected_line += 1;
            }
        }
        assert_eq!(batches, 25);

        // A reader dropped half-way stops its query without blocking anything.
        let mut reader = DbReader::open(&src, 10).await.expect("open again");
        let first = reader.next_batch().await.expect("first").expect("a batch");
        assert_eq!(first.lines, (1..=10).collect::<Vec<u64>>());
        drop(reader);
        let read = read_all(
            &DbSource {
                query: "SELECT 1 AS one".to_owned(),
                ..src
            },
            10,
        )
        .await
        .expect("read after a dropped reader");
        assert_rows(&read, &[&[Some("1")]]);
    }

    #[tokio::test]
    async fn pg_more_types_and_special_values() {
        let Some((url, password)) = server(PG_URL) else {
            return;
        };
        let src = DbSource {
            url,
            password: Some(password),
            query: "SELECT 'NaN'::numeric AS nan, 'Infinity'::float8 AS inf, \
                    '-0.5'::float4 AS neg, 1e-7::float8 AS small, \
                    '13:45:01.25'::time AS t, '13:45:01+05:30'::timetz AS ttz, \
                    '192.168.0.1'::inet AS ip, '10.0.0.0/8'::cidr AS net, \
                    '::1'::inet AS ip6, '08:00:2b:01:02:03'::macaddr AS mac, \
                    42::oid AS o, 'x'::name AS nm, '<a/>'::xml AS x, 'lit' AS untyped"
                .to_owned(),
        };
        let read = read_all(&src, 2).await.expect("read special values");
        assert_eq!(
            read.names,
            names("nan,inf,neg,small,t,ttz,ip,net,ip6,mac,o,nm,x,untyped")
        );
        assert_rows(
            &read,
            &[&[
                Some("NaN"),
                Some("Infinity"),
                Some("-0.5"),
                Some("1e-7"),
                Some("13:45:01.250000"),
                Some("13:45:01+05:30"),
                Some("192.168.0.1"),
                Some("10.0.0.0/8"),
                Some("::1"),
                Some("08:00:2b:01:02:03"),
                Some("42"),
                Some("x"),
                Some("<a/>"),
                Some("lit"),
            ]],
        );
    }

    #[tokio::test]
    async fn pg_errors_name_the_problem_and_never_the_password() {
        let Some((url, password)) = server(PG_URL) else {
            return;
        };
        // An unsupported column type is refused at open, naming column and type.
        let src = DbSource {
            url: url.clone(),
            password: Some(password.clone()),
            query: "SELECT 1 AS ok, interval '1 day' AS span".to_owned(),
        };
        let err = DbReader::open(&src, 10).await.expect_err("interval is refused");
        assert!(
            matches!(&err, DbError::UnsupportedType { column, type_name, .. }
                if column == "span" && type_name == "INTERVAL"),
            "{err}"
        );

        // A missing table: the query error names the server, not the password.
        let src = DbSource {
            query: "hx_no_such_table".to_owned(),
            ..src
        };
        let err = DbReader::open(&src, 10).await.expect_err("missing table");
        let message = err.to_string();
        assert!(matches!(err, DbError::Query { .. }), "{message}");
        assert!(message.contains("hx_no_such_table"), "{message}");
        assert!(message.contains(&url), "{message}");
        assert!(!message.contains(&password), "{message}");

        // A wrong password is a connection error that does not repeat it.
        let wrong = format!("{password}-wrong");
        let src = DbSource {
            password: Some(wrong.clone()),
            ..src
        };
        let err = DbReader::open(&src, 10).await.expect_err("wrong password");
        let message = err.to_string();
        assert!(matches!(err, DbError::Connect { .. }), "{message}");
        assert!(!message.contains(&wrong), "{message}");

        // A password inside the URL works and never shows in the location.
        let with_password = url.replacen("://huaxiang@", &format!("://huaxiang:{password}@"), 1);
        assert_ne!(with_password, url, "the test URL names the user huaxiang");
        let src = DbSource {
            url: with_password,
            password: None,
            query: "SELECT 1 AS one".to_owned(),
        };
        let reader = DbReader::open(&src, 1).await.expect("password in the URL");
        assert_eq!(reader.location(), url);
        assert!(!format!("{src:?}").contains(&password));

        // Nothing listens on port 1: a connection error naming the URL.
        let src = DbSource {
            url: "postgresql://huaxiang@127.0.0.1:1/huaxiang_test".to_owned(),
            password: Some(password.clone()),
            query: "t".to_owned(),
        };
        let err = DbReader::open(&src, 1).await.expect_err("closed port");
        let message = err.to_string();
        assert!(message.contains("127.0.0.1:1"), "{message}");
        assert!(!message.contains(&password), "{message}");

        let src = DbSource {
            url: "sqlite://x.db".to_owned(),
            password: None,
            query: "t".to_owned(),
        };
        assert!(matches!(
            DbReader::open(&src, 1).await,
            Err(DbError::UnsupportedScheme { .. })
        ));
    }

    // ------------------------------------------------------------ MariaDB / MySQL

    #[tokio::test]
    async fn mysql_every_type_reads_as_canonical_text() {
        let Some((url, password)) = server(MYSQL_URL) else {
            return;
        };
        let mut admin = mysql_admin(&url, &password).await;
        for statement in [
            "DROP TABLE IF EXISTS hx_my_types",
            "CREATE TABLE hx_my_types (
                id INT PRIMARY KEY, t TEXT, vc VARCHAR(20), ch CHAR(4), ti TINYINT,
                si SMALLINT, mi MEDIUMINT, bi BIGINT, ubi BIGINT UNSIGNED,
                f FLOAT, d DOUBLE, num DECIMAL(12, 3), b BOOLEAN, dt DATE,
                dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME, j JSON,
                vb VARBINARY(8), bl BLOB, e ENUM('x', 'y'), yr YEAR, bits BIT(4)
            ) CHARACTER SET utf8mb4",
            // TIMESTAMP values are entered in +08:00 and must come back in UTC.
            "SET time_zone = '+08:00'",
            "INSERT INTO hx_my_types VALUES
                (1, '你好，世界 Zoë', 'abc', 'ab', -128, -32768, 8388607, 9223372036854775807,
                 18446744073709551615, 1.5, 0.1, 12345.678, TRUE, '2024-02-29',
                 '2024-02-29 13:45:01.123456', '2024-02-29 13:45:01.5', '13:45:01',
                 '{\"a\": [1, 2]}', x'00ff10', x'', 'y', 2024, b'1010'),
                (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                (3, '', ' x ', 'ab  ', 0, 0, 0, -1, 0, -0.25, 1e300, -0.001, FALSE, '1000-01-01',
                 '1999-12-31 23:59:59', '1970-01-01 08:00:01', '-838:59:59',
                 'null', x'de', x'deadbeef', 'x', 1901, b'0'),
                (4, 'tab\tq\"uote', '中文', '中', 127, 32767, -8388608, 1, 1, 3.25, -2.5e-10, 5,
                 2, '9999-12-31', '2024-12-31 00:00:00.000001', NULL, '838:00:00',
                 '[]', NULL, NULL, NULL, NULL, NULL),
                (5, 'last', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL,
                 NULL, NULL, '00:00:00', NULL, NULL, NULL, NULL, NULL, NULL)",
        ] {
            admin.execute(statement).await.expect("create the MariaDB test table");
        }

        let src = DbSource {
            url: url.clone(),
            password: Some(password.clone()),
            query: "hx_my_types".to_owned(),
        };
        let read = read_all(&src, 2).await.expect("read the MariaDB table");
        assert_eq!(
            read.names,
            names("id,t,vc,ch,ti,si,mi,bi,ubi,f,d,num,b,dt,dtm,ts,tm,j,vb,bl,e,yr,bits")
        );
        assert_eq!(read.lines, vec![1, 2, 3, 4, 5]);
        assert_eq!(read.batch_sizes, vec![2, 2, 1]);
        let mut null_row: Vec<Option<&str>> = vec![None; 23];
        null_row[0] = Some("2");
        let expected: &[&[Option<&str>]] = &[
            &[
                Some("1"),
                Some("你好，世界 Zoë"),
                Some("abc"),
                Some("ab"),
                Some("-128"),
                Some("-32768"),
                Some("8388607"),
                Some("9223372036854775807"),
                Some("18446744073709551615"),
                Some("1.5"),
                Some("0.1"),
                Some("12345.678"),
                Some("true"),
                Some("2024-02-29"),
                Some("2024-02-29T13:45:01.123456"),
                Some("2024-02-29T05:45:01.500000Z"),
                Some("13:45:01"),
                Some(r#"{"a": [1, 2]}"#),
                Some("00ff10"),
                Some(""),
                Some("y"),
                Some("2024"),
                Some("10"),
            ],
            &null_row,
            &[
                Some("3"),
                Some(""),
                Some(" x "),
                // MySQL CHAR drops trailing spaces.
                Some("ab"),
                Some("0"),
                Some("0"),
                Some("0"),
                Some("-1"),
                Some("0"),
                Some("-0.25"),
                Some("1e300"),
                Some("-0.001"),
                Some("false"),
                Some("1000-01-01"),
                Some("1999-12-31T23:59:59"),
                Some("1970-01-01T00:00:01Z"),
                Some("-838:59:59"),
                Some("null"),
                Some("de"),
                Some("deadbeef"),
                Some("x"),
                Some("1901"),
                Some("0"),
            ],
            &[
                Some("4"),
                Some("tab\tq\"uote"),
                Some("中文"),
                Some("中"),
                Some("127"),
                Some("32767"),
                Some("-8388608"),
                Some("1"),
                Some("1"),
                Some("3.25"),
                Some("-2.5e-10"),
                Some("5.000"),
                // A BOOLEAN (TINYINT(1)) holding 2 keeps its number.
                Some("2"),
                Some("9999-12-31"),
                Some("2024-12-31T00:00:00.000001"),
                None,
                Some("838:00:00"),
                Some("[]"),
                None,
                None,
                None,
                None,
                None,
            ],
            &[
                Some("5"),
                Some("last"),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                Some("0"),
                Some("0"),
                Some("0.000"),
                None,
                None,
                None,
                None,
                Some("00:00:00"),
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ];
        assert_rows(&read, expected);

        // A query with computed columns, via the mariadb:// scheme.
        let src = DbSource {
            url: url.replacen("mysql://", "mariadb://", 1),
            // `cs` has a binary collation: text all the same, unlike `vb`.
            query: "SELECT id, CONCAT(t, '!') AS `名字`, num * 2 AS twice, NULL AS nothing, \
                    CONCAT(vc, 'É') COLLATE utf8mb4_bin AS cs, vb \
                    FROM hx_my_types WHERE id IN (1, 3) ORDER BY id DESC -- newest first"
                .to_owned(),
            ..src
        };
        let read = read_all(&src, 1).await.expect("run the MariaDB query");
        assert_eq!(read.names, names("id,名字,twice,nothing,cs,vb"));
        assert_eq!(read.lines, vec![1, 2]);
        assert_eq!(read.batch_sizes, vec![1, 1]);
        assert_rows(
            &read,
            &[
                &[Some("3"), Some("!"), Some("-0.002"), None, Some(" x É"), Some("de")],
                &[
                    Some("1"),
                    Some("你好，世界 Zoë!"),
                    Some("24691.356"),
                    None,
                    Some("abcÉ"),
                    Some("00ff10"),
                ],
            ],
        );
    }

    #[tokio::test]
    async fn mysql_errors_name_the_problem_and_never_the_password() {
        let Some((url, password)) = server(MYSQL_URL) else {
            return;
        };
        let src = DbSource {
            url: url.clone(),
            password: Some(password.clone()),
            query: "SELECT 1 AS ok, POINT(1, 2) AS place".to_owned(),
        };
        let err = DbReader::open(&src, 10).await.expect_err("geometry is refused");
        assert!(
            matches!(&err, DbError::UnsupportedType { column, type_name, .. }
                if column == "place" && type_name == "GEOMETRY"),
            "{err}"
        );

        let src = DbSource {
            query: "hx_no_such_table".to_owned(),
            ..src
        };
        let err = DbReader::open(&src, 10).await.expect_err("missing table");
        let message = err.to_string();
        assert!(matches!(err, DbError::Query { .. }), "{message}");
        assert!(message.contains("hx_no_such_table"), "{message}");
        assert!(!message.contains(&password), "{message}");

        let wrong = format!("{password}-wrong");
        let src = DbSource {
            password: Some(wrong.clone()),
            ..src
        };
        let err = DbReader::open(&src, 10).await.expect_err("wrong password");
        let message = err.to_string();
        assert!(matches!(err, DbError::Connect { .. }), "{message}");
        assert!(message.contains(&url), "{message}");
        assert!(!message.contains(&wrong), "{message}");

        let with_password = url.replacen("://huaxiang@", &format!("://huaxiang:{password}@"), 1);
        assert_ne!(with_password, url, "the test URL names the user huaxiang");
        let src = DbSource {
            url: with_password,
            password: None,
            query: "SELECT 1 AS one".to_owned(),
        };
        let mut reader = DbReader::open(&src, 1).await.expect("password in the URL");
        assert_eq!(reader.location(), url);
        let batch = reader.next_batch().await.expect("one row").expect("a batch");
        assert_eq!(batch.lines, vec![1]);
        assert_eq!(batch.columns[0].value(0), "1");
    }
}
