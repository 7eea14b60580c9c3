//! [`summarize`]: a [`Summary`] straight from the API, page 1 of each device first (it tells
//! `total_num_pages`), then every other page with bounded concurrency in whatever order they
//! come, each added and dropped at once.

use futures_util::StreamExt as _;

use super::Summary;
use crate::api::analytics::Analytics;
use crate::api::analytics::pull::Devices;
use crate::error::Result;

/// Where [`summarize`] stands, reported after every page added.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetched {
    /// Pages added so far.
    pub pages: u64,
    /// Pages known so far: the devices' page counts, once their first page is in.
    pub total_pages: u64,
    /// Rows added so far.
    pub rows: u64,
}

/// Summarises `devices`' data between `from_ms` and `to_ms` (Unix ms), fetching at most
/// `concurrency` pages at once (at least 1) and calling `progress` after each page.
/// [`Devices::All`] is every device [`Analytics::devices`] lists.
///
/// # Errors
/// The errors of [`Analytics::devices`] and [`Analytics::data`] (after the HTTP layer's
/// retries); the errors of [`Summary::add_page`].
pub async fn summarize(
    client: &Analytics,
    devices: &Devices,
    from_ms: i64,
    to_ms: i64,
    concurrency: usize,
    mut progress: impl FnMut(&Fetched),
) -> Result<Summary> {
    let devices = match devices {
        Devices::All => client.devices().await?,
        Devices::List(list) => list.clone(),
    };
    let concurrency = concurrency.max(1);
    let mut summary = Summary::new();
    let mut state = Fetched {
        pages: 0,
        total_pages: 0,
        rows: 0,
    };
    let fetch = |device: &str, page: u64| {
        let device = device.to_owned();
        async move {
            let got = client.data(&device, from_ms, to_ms, page).await;
            (device, page, got)
        }
    };
    let mut firsts = futures_util::stream::iter(&devices)
        .map(|d| fetch(d, 1))
        .buffer_unordered(concurrency);
    let mut rest = Vec::new();
    while let Some((device, _, got)) = firsts.next().await {
        let page = got?;
        summary.add_page(&page, &device, 1)?;
        state.total_pages += page.total_num_pages.max(1);
        rest.push((device, page.total_num_pages));
        note(&mut state, &summary, &mut progress);
    }
    drop(firsts);
    let pages = rest
        .iter()
        .flat_map(|(device, total)| (2..=*total).map(move |p| (device.as_str(), p)));
    let mut others = futures_util::stream::iter(pages)
        .map(|(device, page)| fetch(device, page))
        .buffer_unordered(concurrency);
    while let Some((device, number, got)) = others.next().await {
        summary.add_page(&got?, &device, number)?;
        note(&mut state, &summary, &mut progress);
    }
    Ok(summary)
}

fn note(state: &mut Fetched, summary: &Summary, progress: &mut impl FnMut(&Fetched)) {
    state.pages += 1;
    state.rows = summary.rows();
    progress(state);
}
