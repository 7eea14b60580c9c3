//! The `tasks` sample's command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::common::Global;

/// Plan drone work: jobs, flight-request tasks and missions.
#[derive(Debug, Parser)]
#[command(name = "tasks", version, after_long_help = CREDENTIALS)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

const CREDENTIALS: &str = "Credentials, first found: a personal access token in UL_API_TOKEN; \
the token stored for the profile with `ul-auth pat set`; the Cognito session `ul-auth login` \
(or `tasks login`, with UL_USERNAME / UL_PASSWORD) cached for the profile, refreshed when \
needed. --session uses the session even when a token is set or stored. The profile is \
UL_PROFILE (default `default`), the cache UL_CACHE_DIR, the API UL_API_URL (as for `ul-auth`).

Files are checked before anything is sent; every problem is listed with its JSON path. \
A change is sent once: when its answer is lost the error says what to look up instead.

Exit codes: 0 ok, 1 other, 2 usage (a bad file, a delete not confirmed), 3 authentication, \
4 service (a refused call, an unknown outcome), 130 Ctrl-C.";

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Sign in with UL_USERNAME / UL_PASSWORD and cache the session.
    Login,
    /// Jobs: groups of tasks.
    #[command(subcommand)]
    Jobs(JobCommand),
    /// Flight-request tasks.
    #[command(subcommand)]
    Tasks(TaskCommand),
    /// Mission files.
    #[command(subcommand)]
    Mission(MissionCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum JobCommand {
    /// The jobs assigned to you.
    List,
    /// Your team's jobs (admins).
    Team,
    /// One job.
    Get {
        /// The job id.
        id: String,
    },
    /// Make a job.
    Create {
        /// The job's title.
        #[arg(long)]
        title: String,
        /// What the job is for.
        #[arg(long)]
        description: String,
        /// A user id of your team to add to the job (repeat for more; you are added anyway).
        #[arg(long = "user", value_name = "USER_ID")]
        users: Vec<String>,
        /// A status to start in, as the service names it (left to the service's default).
        #[arg(long)]
        status: Option<String>,
    },
    /// Change a job's title, description or status.
    Update {
        /// Its id.
        id: String,
        #[command(flatten)]
        edit: Edit,
    },
    /// Delete a job (the service refuses one that still has tasks).
    Delete {
        /// Its id.
        id: String,
        /// Do not ask (needed when there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
    },
    /// Assign a user to EVERY task of a job (replacing whoever had them).
    Assign {
        /// The job id.
        id: String,
        /// The user id (of your team) who gets the job's tasks.
        #[arg(long = "user", value_name = "USER_ID")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// The tasks assigned to you.
    List(Paging),
    /// Your team's tasks.
    Team(Paging),
    /// Your company's tasks.
    Company(Paging),
    /// One task.
    Get {
        /// The task id.
        id: String,
    },
    /// Make a flight request to one point.
    Create {
        /// The job the task goes in.
        #[arg(long)]
        job: String,
        /// The task's title.
        #[arg(long)]
        title: String,
        /// What to fly and capture.
        #[arg(long)]
        description: String,
        /// Latitude of the point to fly to, degrees.
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        /// Longitude, degrees.
        #[arg(long, allow_negative_numbers = true)]
        lng: f64,
        /// The pilot (a user id of your team) to assign.
        #[arg(long = "user", value_name = "USER_ID")]
        user: Option<String>,
    },
    /// Make a flight request from a mission file (`{name, desc, speed, route}`).
    CreateMission {
        /// The mission file (JSON).
        file: PathBuf,
        /// The job the task goes in.
        #[arg(long)]
        job: String,
        /// A GeoJSON geofence to send with it (`context.geojson`).
        #[arg(long, value_name = "FILE")]
        geofence: Option<PathBuf>,
    },
    /// Make a corridor task from a corridor mission file.
    CreateCorridor {
        /// The mission file (JSON).
        file: PathBuf,
        /// The job the task goes in.
        #[arg(long)]
        job: String,
    },
    /// Make a geofenced manual flight: a route file (`{name, desc, speed, route: [{lat, lng,
    /// altitude, speed?}]}`) inside a GeoJSON geofence with at least one inclusion zone.
    CreateGeofenced {
        /// The route file (JSON).
        file: PathBuf,
        /// The geofence (GeoJSON FeatureCollection; Polygon features with
        /// properties.geofence "inclusion" or "exclusion", LineString obstacles).
        #[arg(long, value_name = "FILE")]
        geofence: PathBuf,
        /// The job the task goes in.
        #[arg(long)]
        job: String,
        /// `context.maxDistance`, metres (the samples' docs say the service ignores it).
        #[arg(long, value_name = "METRES")]
        max_distance: Option<f64>,
        /// A Smart Inspect flight.
        #[arg(long)]
        smart_inspect: bool,
    },
    /// Change a task's title, description or status.
    Update {
        /// Its id.
        id: String,
        #[command(flatten)]
        edit: Edit,
    },
    /// Delete a task.
    Delete {
        /// Its id.
        id: String,
        /// Do not ask (needed when there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum MissionCommand {
    /// Upload a mission file (`{desc, name, speed, route: [{lat, lng, altitude, si, ...}]}`).
    Upload {
        /// The mission file (JSON).
        file: PathBuf,
    },
}

/// What to change: only the fields given are sent.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub(crate) struct Edit {
    /// A new title.
    #[arg(long)]
    pub(crate) title: Option<String>,
    /// A new description.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// A new status, as the service names it (e.g. as `get` shows it).
    #[arg(long)]
    pub(crate) status: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct Paging {
    /// Tasks per page asked of the service (`?limit=`); every page is read
    /// [default: the service's].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) page_size: Option<u32>,
}
