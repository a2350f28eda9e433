//! Request counts and latencies, in Prometheus text format: reads by route,
//! except the reads of one round's pages (a page save redirects to one of
//! them) in one series, and every write (POST, PUT, PATCH, DELETE) in
//! another, so that the numbers say how the server is doing and never when
//! someone saved or submitted an answer, wrote a note or changed a gap.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The (method, route) labels that every write is counted under.
pub const WRITES: (&str, &str) = ("WRITE", "(all writes)");

/// The route label of every read of one round's pages and API.
pub const ROUND_READS: &str = "(one round's pages)";

/// Counters and histograms keyed by (method, route template, status).
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Records one finished request; writes are recorded under one
    /// [`WRITES`] series whatever their route, reads of a round's pages under
    /// [`ROUND_READS`].
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let (method, route) = if !matches!(method, "GET" | "HEAD" | "OPTIONS") {
            WRITES
        } else if route.contains("{round_id}") {
            (method, ROUND_READS)
        } else {
            (method, route)
        };
        let seconds = elapsed.as_secs_f64();
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let entry = series
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP parallax_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE parallax_http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "parallax_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str(
            "# HELP parallax_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE parallax_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in series.iter() {
            let agg = by_route.entry((method, route)).or_default();
            agg.count += s.count;
            agg.sum_seconds += s.sum_seconds;
            for (a, b) in agg.buckets.iter_mut().zip(s.buckets) {
                *a += b;
            }
        }
        for ((method, route), s) in by_route {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "parallax_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "parallax_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "parallax_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "parallax_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

/// Appends one gauge, with its help and type lines, to an exposition text.
pub(crate) fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histogram_by_route() {
        let m = Metrics::default();
        m.observe("GET", "/w/{id}", 200, Duration::from_millis(3));
        m.observe("GET", "/w/{id}", 200, Duration::from_millis(300));
        m.observe("GET", "/w/{id}", 404, Duration::from_millis(1));
        let text = m.render();
        assert!(text.contains(
            "parallax_http_requests_total{method=\"GET\",route=\"/w/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "parallax_http_requests_total{method=\"GET\",route=\"/w/{id}\",status=\"404\"} 1"
        ));
        assert!(text.contains("parallax_http_request_duration_seconds_bucket{method=\"GET\",route=\"/w/{id}\",le=\"0.005\"} 2"));
        assert!(text.contains(
            "parallax_http_request_duration_seconds_count{method=\"GET\",route=\"/w/{id}\"} 3"
        ));
    }

    #[test]
    fn writes_are_counted_together_never_by_route() {
        let m = Metrics::default();
        let answer = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}";
        m.observe("PUT", answer, 200, Duration::from_millis(3));
        m.observe(
            "POST",
            "/w/{workspace_id}/rounds/{round_id}/submit",
            303,
            Duration::from_millis(3),
        );
        m.observe("DELETE", "/api/v1/session", 204, Duration::from_millis(3));
        m.observe(
            "GET",
            "/w/{workspace_id}/rounds/{round_id}/answer",
            200,
            Duration::from_millis(3),
        );
        let text = m.render();
        assert!(!text.contains("answers") && !text.contains("submit") && !text.contains("session"));
        assert!(!text.contains("PUT") && !text.contains("POST"));
        assert!(!text.contains("{round_id}"));
        assert!(text.contains("route=\"(one round's pages)\""));
        assert!(text.contains(
            "parallax_http_request_duration_seconds_count{method=\"WRITE\",route=\"(all writes)\"} 3"
        ));
    }
}
