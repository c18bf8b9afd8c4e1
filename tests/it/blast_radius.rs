//! DESIGN §6 blast radius, side by side: `ansible-playbook` with `serial: [10, 30, 60]` drives
//! the same `ripcord sim-agent` commands against the same simulator, and the fault begins
//! during batch 2. Ansible has no metric gate, so it upgrades every host after the fault
//! began; ripcord's own figure for the same scenario is asserted in `demo.rs`
//! (`a_fault_in_wave_two_leaves_wave_three_untouched`). Numbers go to docs/performance.md.

use std::process::Command;
use std::time::{Duration, Instant};

use ripcord::sim::{Fault, SimConfig};

#[test]
fn ansible_serial_batches_upgrade_every_host_after_a_fault_in_batch_two() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(ripcord::sim::start(SimConfig {
            hosts: 100,
            restart: Duration::from_millis(500),
            warmup: Duration::from_secs(1),
            port: 0,
            ..SimConfig::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut inventory = String::from("[web]\n");
    for i in 1..=100 {
        inventory.push_str(&format!(
            "{} ansible_connection=local\n",
            ripcord::sim::host_name(i)
        ));
    }
    std::fs::write(dir.path().join("inventory.ini"), inventory).unwrap();
    let agent = env!("CARGO_BIN_EXE_ripcord");
    std::fs::write(
        dir.path().join("upgrade.yml"),
        format!(
            "- hosts: web\n  gather_facts: false\n  serial: [10, 30, 60]\n  tasks:\n    - name: upgrade through the simulator\n      command: {agent} sim-agent upgrade {{{{ inventory_hostname }}}}\n      environment:\n        RIPCORD_SIM: \"{}\"\n",
            sim.addr()
        ),
    )
    .unwrap();
    let mut child = Command::new("ansible-playbook")
        .args(["-i", "inventory.ini", "upgrade.yml", "--forks", "20"])
        .current_dir(dir.path())
        .env("ANSIBLE_RETRY_FILES_ENABLED", "False")
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ansible-playbook is installed by .ci/run (package ansible-core)");
    // The fault begins once batch 1 (10 hosts) is done and batch 2 has started.
    let deadline = Instant::now() + Duration::from_secs(240);
    let upgraded_at_fault = loop {
        let n = sim.state().hosts.iter().filter(|h| h.upgraded).count();
        if n > 10 {
            sim.inject(Fault::Errors5xx);
            break n;
        }
        assert!(Instant::now() < deadline, "ansible never reached batch 2");
        std::thread::sleep(Duration::from_millis(50));
    };
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the playbook itself succeeds: nothing in it watches the metrics"
    );
    let upgraded_total = sim.state().hosts.iter().filter(|h| h.upgraded).count();
    let after_fault = upgraded_total - upgraded_at_fault;
    println!(
        "ansible serial [10, 30, 60]: {after_fault} hosts upgraded after the fault began (at {upgraded_at_fault} upgraded)"
    );
    assert_eq!(upgraded_total, 100);
    assert!(
        after_fault >= 60,
        "every host of batch 3 was upgraded after the fault: {after_fault}"
    );
    rt.block_on(sim.shutdown());
}
