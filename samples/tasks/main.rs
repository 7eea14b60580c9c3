//! Jobs, flight-request tasks and missions from the command line: the Unleash Live JS
//! `user-task` and `mission` samples, in Rust, on the `unleashlive_auth` library.
//!
//! ```text
//! cargo run --bin tasks -- jobs create --title "Bridge survey" --description "North span"
//! cargo run --bin tasks -- tasks create-mission mission.json --job JOB_ID
//! ```
//!
//! Credentials, first found: a personal access token in `UL_API_TOKEN`; the token stored for
//! the profile with `ul-auth pat set`; the session `ul-auth login` cached for the profile,
//! refreshed when needed (`--session` uses the session even when a token is set or stored).
//! The profile is `UL_PROFILE` (default `default`); `UL_CACHE_DIR` moves the cache.
//! `tasks login` signs in with `UL_USERNAME` / `UL_PASSWORD`. Endpoint: `UL_API_URL`.
//!
//! Mission and geofence files are checked before anything is sent, and every problem is
//! listed with its JSON path (`route[3].lat: 95 is not a latitude`). Listings follow the
//! service's `nextToken` to the last page. A change (create, update, delete, assign, upload)
//! is sent once: when its answer is lost (a 5xx, a dropped connection) the error says what
//! to look up rather than sending it again. `delete` asks on a terminal and needs `--yes` in
//! a script. Names and ids from the service are printed with control characters escaped.
//!
//! Exit codes: 0 ok, 1 other, 2 usage (a bad file, a delete not confirmed), 3 authentication,
//! 4 service (a refused call, an unknown outcome), 130 Ctrl-C.

mod args;
#[path = "../common.rs"]
mod common;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Parser as _;
use serde_json::{Value, json};
use unleashlive_auth::Error;
use unleashlive_auth::api::missions::{Geofence, Mission};
use unleashlive_auth::api::tasks::{
    GeofencedFlight, Job, JobUpdate, NewJob, NewTask, Task, TaskScope, TaskUpdate,
};
use unleashlive_auth::text::terminal_safe;

use args::{Cli, Command, JobCommand, MissionCommand, TaskCommand};
use common::{Ctx, Output, print_json, print_table};

fn main() -> ExitCode {
    common::init_logging();
    let cli = Cli::parse();
    common::exit("tasks", run(cli))
}

fn run(cli: Cli) -> Result<()> {
    // Asked before the network is touched.
    match &cli.command {
        Command::Jobs(JobCommand::Delete { id, yes }) => {
            common::confirm(&format!("delete job {id}"), *yes)?;
        }
        Command::Tasks(TaskCommand::Delete { id, yes }) => {
            common::confirm(&format!("delete task {id}"), *yes)?;
        }
        _ => {}
    }
    if let Some(check) = what_to_check(&cli.command) {
        common::on_interrupt(format!(
            "the change may have been made already: {check} before running it again"
        ));
    }
    let ctx = Ctx::new(&cli.global)?;
    common::run_until_ctrl_c(async {
        match cli.command {
            Command::Login => ctx.login().await,
            Command::Jobs(command) => jobs(&ctx, command).await,
            Command::Tasks(command) => tasks(&ctx, command).await,
            Command::Mission(MissionCommand::Upload { file }) => {
                let mission = load_mission(&file, Route::Planned)?;
                let uploaded = ctx.ul.tasks().upload_mission(&mission).await?;
                done(&ctx, "uploaded mission", &uploaded.id, json!(uploaded))
            }
        }
    })
}

/// For a command that changes something: how to see whether it happened.
fn what_to_check(command: &Command) -> Option<String> {
    let get = |kind: &str, id: &str| format!("look with `tasks {kind} get {id}`");
    Some(match command {
        Command::Jobs(JobCommand::Create { .. }) => "list the jobs (`tasks jobs list`)".into(),
        Command::Jobs(
            JobCommand::Update { id, .. }
            | JobCommand::Delete { id, .. }
            | JobCommand::Assign { id, .. },
        ) => get("jobs", id),
        Command::Tasks(TaskCommand::Update { id, .. } | TaskCommand::Delete { id, .. }) => {
            get("tasks", id)
        }
        Command::Tasks(
            TaskCommand::Create { .. }
            | TaskCommand::CreateMission { .. }
            | TaskCommand::CreateCorridor { .. }
            | TaskCommand::CreateGeofenced { .. },
        ) => "list the team's tasks (`tasks tasks team`)".into(),
        Command::Mission(MissionCommand::Upload { .. }) => {
            "look for it among the missions in the Unleash Live app".into()
        }
        _ => return None,
    })
}

async fn jobs(ctx: &Ctx, command: JobCommand) -> Result<()> {
    let jobs = ctx.ul.jobs();
    match command {
        JobCommand::List => show_jobs(ctx, &jobs.list().await?),
        JobCommand::Team => show_jobs(ctx, &jobs.team().await?),
        JobCommand::Get { id } => {
            let job = jobs.get(&id).await?;
            one(ctx, &job, |job| show_jobs(ctx, std::slice::from_ref(job)))
        }
        JobCommand::Create {
            title,
            description,
            users,
            status,
        } => {
            let mut job = NewJob::new(title, description);
            if !users.is_empty() {
                job = job.users(users);
            }
            if let Some(status) = status {
                job = job.status(status);
            }
            let job = jobs.create(&job).await?;
            done(ctx, "created job", &job.id, json!(job))
        }
        JobCommand::Update { id, edit } => {
            let mut update = JobUpdate::default();
            if let Some(title) = edit.title {
                update = update.title(title);
            }
            if let Some(description) = edit.description {
                update = update.description(description);
            }
            if let Some(status) = edit.status {
                update = update.status(status);
            }
            let answer = jobs.update(&id, &update).await?;
            done(ctx, "updated job", &id, answer)
        }
        JobCommand::Delete { id, .. } => done(ctx, "deleted job", &id, jobs.delete(&id).await?),
        JobCommand::Assign { id, user } => {
            let answer = jobs.assign(&id, &user).await?;
            done(
                ctx,
                &format!("assigned {user} to the tasks of job"),
                &id,
                answer,
            )
        }
    }
}

async fn tasks(ctx: &Ctx, command: TaskCommand) -> Result<()> {
    let tasks = ctx.ul.tasks();
    let made = |task: Task| done(ctx, "created task", &task.id, json!(task));
    match command {
        TaskCommand::List(p) => {
            show_tasks(ctx, &tasks.list(TaskScope::Assigned, p.page_size).await?)
        }
        TaskCommand::Team(p) => show_tasks(ctx, &tasks.list(TaskScope::Team, p.page_size).await?),
        TaskCommand::Company(p) => {
            show_tasks(ctx, &tasks.list(TaskScope::Company, p.page_size).await?)
        }
        TaskCommand::Get { id } => {
            let task = tasks.get(&id).await?;
            one(ctx, &task, |task| {
                show_tasks(ctx, std::slice::from_ref(task))
            })
        }
        TaskCommand::Create {
            job,
            title,
            description,
            lat,
            lng,
            user,
        } => {
            let mut task = NewTask::new(title, description, job, lat, lng);
            if let Some(user) = user {
                task = task.user(user);
            }
            made(tasks.create(&task).await?)
        }
        TaskCommand::CreateMission {
            file,
            job,
            geofence,
        } => {
            let mission = load_mission(&file, Route::Planned)?;
            let geofence = geofence.map(|f| load_geofence(&f, false)).transpose()?;
            made(
                tasks
                    .create_from_mission(&job, &mission, geofence.as_ref())
                    .await?,
            )
        }
        TaskCommand::CreateCorridor { file, job } => {
            let mission = load_mission(&file, Route::Planned)?;
            made(tasks.create_corridor(&job, &mission).await?)
        }
        TaskCommand::CreateGeofenced {
            file,
            geofence,
            job,
            max_distance,
            smart_inspect,
        } => {
            let mission = load_mission(&file, Route::Manual)?;
            let geofence = load_geofence(&geofence, true)?;
            let mut flight = GeofencedFlight::from_mission(job, &mission, geofence)?
                .smart_inspect(smart_inspect);
            if let Some(metres) = max_distance {
                flight = flight.max_distance(metres);
            }
            made(tasks.create_geofenced(&flight).await?)
        }
        TaskCommand::Update { id, edit } => {
            let mut update = TaskUpdate::default();
            if let Some(title) = edit.title {
                update = update.title(title);
            }
            if let Some(description) = edit.description {
                update = update.description(description);
            }
            if let Some(status) = edit.status {
                update = update.status(status);
            }
            done(ctx, "updated task", &id, tasks.update(&id, &update).await?)
        }
        TaskCommand::Delete { id, .. } => done(ctx, "deleted task", &id, tasks.delete(&id).await?),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Route {
    /// A mission (plain or corridor): every waypoint has an `si`.
    Planned,
    /// A geofenced manual flight's route.
    Manual,
}

/// A mission file, read and checked; its errors name the file.
fn load_mission(file: &Path, route: Route) -> Result<Mission> {
    naming(
        file,
        Mission::from_file(file).and_then(|mission| {
            match route {
                Route::Planned => mission.validate(),
                Route::Manual => mission.validate_for_manual_flight(),
            }
            .map(|()| mission)
        }),
    )
}

/// A geofence file, read and checked (for a geofenced flight: with an inclusion zone).
fn load_geofence(file: &Path, for_flight: bool) -> Result<Geofence> {
    naming(
        file,
        Geofence::from_file(file).and_then(|geofence| {
            if for_flight {
                geofence.validate_for_geofenced_flight()
            } else {
                geofence.validate()
            }
            .map(|()| geofence)
        }),
    )
}

/// `loaded`, its error prefixed with the file's name unless it names it already.
fn naming<T>(file: &Path, loaded: unleashlive_auth::Result<T>) -> Result<T> {
    match loaded {
        Err(e @ Error::File { .. }) => Err(e.into()),
        other => Ok(other.with_context(|| file.display().to_string())?),
    }
}

/// What a change did: `what ID` as text; `{"id", "result"}` (the service's answer) as JSON.
fn done(ctx: &Ctx, what: &str, id: &str, result: Value) -> Result<()> {
    match ctx.output {
        Output::Json => print_json(&json!({ "id": id, "result": result })),
        Output::Text => {
            println!("{} {}", terminal_safe(what), terminal_safe(id));
            Ok(())
        }
    }
}

/// One job or task: the object itself as JSON, a one-row table as text.
fn one<T: serde::Serialize>(ctx: &Ctx, item: &T, table: impl Fn(&T) -> Result<()>) -> Result<()> {
    match ctx.output {
        Output::Json => print_json(item),
        Output::Text => table(item),
    }
}

fn text(value: Option<&str>) -> String {
    terminal_safe(value.unwrap_or("-")).into_owned()
}

fn show_jobs(ctx: &Ctx, jobs: &[Job]) -> Result<()> {
    if ctx.output == Output::Json {
        return print_json(&json!({ "jobs": jobs }));
    }
    let rows = jobs.iter().map(|job| {
        vec![
            text(Some(&job.id)),
            text(job.status.as_deref()),
            text(job.assigned_id.as_deref()),
            text(job.title.as_deref()),
        ]
    });
    print_table(&["ID", "STATUS", "ASSIGNED", "TITLE"], rows.collect());
    Ok(())
}

fn show_tasks(ctx: &Ctx, tasks: &[Task]) -> Result<()> {
    if ctx.output == Output::Json {
        return print_json(&json!({ "tasks": tasks }));
    }
    let rows = tasks.iter().map(|task| {
        // Mission tasks carry the mission's `name` rather than a title.
        let name = task.extra.get("name").and_then(Value::as_str);
        vec![
            text(Some(&task.id)),
            text(task.kind.as_deref()),
            text(task.status.as_deref()),
            text(task.job_id.as_deref()),
            text(task.title.as_deref().or(name)),
        ]
    });
    print_table(&["ID", "TYPE", "STATUS", "JOB", "TITLE"], rows.collect());
    Ok(())
}
