# ripcord's Ansible stdout callback: one JSON object per line for each host event, so ripcord
# reads per-host results (ok, failed with the task and its message, unreachable) while the
# playbook runs instead of scraping the human output.
#
# ripcord ships this file inside its binary and points ANSIBLE_CALLBACK_PLUGINS and
# ANSIBLE_STDOUT_CALLBACK=ripcord at a private copy for each run; this copy is here so you can
# read it, or run a playbook the way ripcord does:
#   ANSIBLE_CALLBACK_PLUGINS=runbooks/ansible/callback_plugins ANSIBLE_STDOUT_CALLBACK=ripcord \
#     ansible-playbook -i inventory.ini playbook.yml --limit web-001,web-002,
#
# Every line has "_event" (the callback method, e.g. "v2_runner_on_failed") and "_timestamp"
# (UTC, ISO 8601), like the ansible.posix.jsonl callback, which a Debian machine with only
# ansible-core does not have. Only the standard library and the callback API of ansible-core
# 2.12 and later are used.
#
# When RIPCORD_HOSTS names the hosts of the wave (comma-separated), a play that would touch a
# host outside them (a --limit entry that is also a group's name) is refused before any task
# runs: ripcord upgrades exactly the wave it shows.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
    name: ripcord
    type: stdout
    short_description: one JSON line per host event, for ripcord
    description:
      - Writes each playbook, play and host event as one JSON object per line on stdout.
    requirements:
      - set as the stdout callback (ANSIBLE_STDOUT_CALLBACK=ripcord)
"""

import datetime
import json
import os
import shutil
import sys
import threading

from ansible.plugins.callback import CallbackBase

# Exit status when a play would run on hosts outside the wave (distinct from Ansible's own).
REFUSED_EXIT = 97

# Longest module stdout / stderr excerpt kept in a failed event.
EXCERPT = 2000


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _tail(value):
    text = _text(value).strip()
    return text[-EXCERPT:]


def _message(result):
    """The operator-facing reason of a failed or unreachable result."""
    items = result.get("results")
    msg = _text(result.get("msg")).strip()
    if isinstance(items, list) and (not msg or msg.startswith("One or more items failed")):
        for item in items:
            if isinstance(item, dict) and (item.get("failed") or item.get("unreachable")):
                label = item.get("_ansible_item_label", item.get("item"))
                if item.get("_ansible_no_log"):
                    label = "(censored due to no_log)"
                return "item %s: %s" % (_text(label), _message(item))
    if not msg:
        msg = _text(result.get("stderr")).strip() or _text(result.get("exception")).strip()
        msg = msg.splitlines()[-1] if msg else ""
    rc = result.get("rc")
    if rc not in (None, 0) and (not msg or msg == "non-zero return code"):
        err = _text(result.get("stderr")).strip()
        msg = "exit %s%s" % (rc, (": " + err.splitlines()[-1]) if err else "")
    return msg or "failed (the module gave no message)"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "ripcord"

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._lock = threading.Lock()
        wave = os.environ.get("RIPCORD_HOSTS", "")
        self._wave = set(h for h in wave.split(",") if h) or None
        self._plays = []
        self._gone = False

    def _emit(self, event, **fields):
        if self._gone:
            return
        fields["_event"] = event
        fields["_timestamp"] = _now()
        line = json.dumps(fields, sort_keys=True, default=str)
        with self._lock:
            try:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            except (BrokenPipeError, OSError):
                # ripcord went away (killed): the playbook goes on, as a step does; ripcord
                # verifies these hosts before anything else when the run is resumed.
                self._gone = True

    def _host_event(self, event, result, **fields):
        fields["host"] = result._host.get_name()
        fields["task"] = result._task.get_name()
        self._emit(event, **fields)

    # --- playbook and plays ----------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        try:
            self._plays = [p._uuid for p in playbook.get_plays()]
        except Exception:
            self._plays = []
        self._emit("v2_playbook_on_start", plays=len(self._plays))

    def v2_playbook_on_play_start(self, play):
        hosts, unknown = None, []
        try:
            inventory = play.get_variable_manager()._inventory
            hosts = [h.get_name() for h in inventory.get_hosts(play.hosts)]
            # Wave hosts the inventory lacks: --limit skipped them with only a warning.
            unknown = sorted(h for h in (self._wave or ()) if h not in inventory.hosts)
        except Exception:
            hosts = None
        index = self._plays.index(play._uuid) if play._uuid in self._plays else None
        self._emit(
            "v2_playbook_on_play_start", name=play.get_name(), hosts=hosts, unknown=unknown, play=index
        )
        if self._wave is not None and hosts is not None:
            outside = sorted(set(hosts) - self._wave)
            if outside:
                self._emit(
                    "ripcord_refused",
                    outside=outside,
                    msg="play %r would also run on %s, outside the wave (a --limit entry matches an inventory group of that name?)"
                    % (play.get_name(), ", ".join(outside[:10])),
                )
                # Before any task of the play has started: nothing is half done.
                os._exit(REFUSED_EXIT)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit("v2_playbook_on_task_start", task=task.get_name())

    def v2_playbook_on_handler_task_start(self, task):
        self._emit("v2_playbook_on_handler_task_start", task=task.get_name())

    def v2_playbook_on_no_hosts_matched(self):
        self._emit("v2_playbook_on_no_hosts_matched")

    def v2_playbook_on_no_hosts_remaining(self):
        self._emit("v2_playbook_on_no_hosts_remaining")

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            hosts[host] = stats.summarize(host)
        self._emit("v2_playbook_on_stats", stats=hosts)
        # ripcord removes the private copy of this plugin when the playbook ends; if ripcord
        # was killed meanwhile, nobody else will.
        private = os.environ.get("RIPCORD_ANSIBLE_PLUGIN_DIR", "")
        if self._gone and os.path.basename(private).startswith("ripcord-ansible-"):
            shutil.rmtree(private, ignore_errors=True)

    # --- hosts -----------------------------------------------------------------------------

    def v2_runner_on_start(self, host, task):
        self._emit("v2_runner_on_start", host=host.get_name(), task=task.get_name())

    def v2_runner_on_ok(self, result):
        self._host_event("v2_runner_on_ok", result, changed=bool(result._result.get("changed")))

    def v2_runner_on_skipped(self, result):
        self._host_event("v2_runner_on_skipped", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        r = result._result
        self._host_event(
            "v2_runner_on_failed",
            result,
            ignore_errors=bool(ignore_errors),
            msg=_message(r),
            rc=r.get("rc"),
            stdout=_tail(r.get("stdout")),
            stderr=_tail(r.get("stderr")),
        )

    def v2_runner_on_unreachable(self, result):
        self._host_event("v2_runner_on_unreachable", result, msg=_message(result._result))
