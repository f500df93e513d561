package io.berth.protocol.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Collects every problem of one job, each with its field path. Single use; not thread-safe. */
final class JobValidator {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9][A-Za-z0-9._/:@+-]{0,510}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Set<String> SIGNALS = Set.of(
            "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGPWR");
    private static final int MAX_COUNT = 100_000;

    private final List<String> errors = new ArrayList<>();

    List<String> validate(Job job) {
        name(job.id(), "id");
        if (job.priority() < 1 || job.priority() > 100) {
            errors.add("priority: must be between 1 and 100, was " + job.priority());
        }
        if (job.region() != null && !NAME.matcher(job.region()).matches()) {
            errors.add("region: " + nameProblem(job.region()));
        }
        Set<String> dcs = new HashSet<>();
        for (int i = 0; i < job.datacenters().size(); i++) {
            String dc = job.datacenters().get(i);
            if (dc == null || !NAME.matcher(dc).matches()) {
                errors.add("datacenters[" + i + "]: " + nameProblem(dc));
            } else if (!dcs.add(dc)) {
                errors.add("datacenters[" + i + "]: '" + dc + "' is listed twice");
            }
        }
        if (job.groups().isEmpty()) {
            errors.add("groups: a job needs at least one group");
        }
        Set<String> groupNames = new HashSet<>();
        for (int i = 0; i < job.groups().size(); i++) {
            String at = "groups[" + i + "]";
            TaskGroup g = job.groups().get(i);
            if (g == null) {
                errors.add(at + ": must not be null");
                continue;
            }
            if (name(g.name(), at + ".name") && !groupNames.add(g.name())) {
                errors.add(at + ".name: another group is already named '" + g.name() + "'");
            }
            group(job, g, at);
        }
        constraints(job.constraints(), "constraints");
        affinities(job.affinities(), "affinities");
        spreads(job, job.spreads(), "spreads");
        if (job.update() != null) {
            update(job, job.update(), null, "update");
        }
        if (job.reschedule() != null) {
            reschedule(job, job.reschedule(), "reschedule");
        }
        meta(job.meta(), "meta");
        return errors;
    }

    private void group(Job job, TaskGroup g, String at) {
        if (job.type() == JobType.SYSTEM) {
            if (g.count() != 1) {
                errors.add(at + ".count: a system job runs one per node: leave count out (or 1), was " + g.count());
            }
        } else if (g.count() < 0 || g.count() > MAX_COUNT) {
            errors.add(at + ".count: must be between 0 and " + MAX_COUNT + ", was " + g.count());
        }
        if (g.tasks().isEmpty()) {
            errors.add(at + ".tasks: a group needs at least one task");
        }
        Set<String> taskNames = new HashSet<>();
        Map<String, String> portLabels = new HashMap<>();
        Map<Integer, String> staticPorts = new HashMap<>();
        for (int i = 0; i < g.tasks().size(); i++) {
            String tat = at + ".tasks[" + i + "]";
            Task t = g.tasks().get(i);
            if (t == null) {
                errors.add(tat + ": must not be null");
                continue;
            }
            if (name(t.name(), tat + ".name") && !taskNames.add(t.name())) {
                errors.add(tat + ".name: another task of the group is already named '" + t.name() + "'");
            }
            task(t, tat, portLabels, staticPorts);
            Task first = g.tasks().get(0);
            if (i > 0 && first != null && t.network() != first.network()) {
                errors.add(tat + ".network: " + mode(t.network()) + ", but tasks[0] has " + mode(first.network())
                        + ": the tasks of a group share one network namespace, so they need one mode");
            }
        }
        constraints(g.constraints(), at + ".constraints");
        affinities(g.affinities(), at + ".affinities");
        spreads(job, g.spreads(), at + ".spreads");
        if (g.update() != null) {
            update(job, g.update(), g, at + ".update");
        } else if (job.type() == JobType.SERVICE && job.update() != null && job.update().canary() > g.count()) {
            errors.add("update.canary: " + job.update().canary() + " canaries exceed the count of group '"
                    + g.name() + "' (" + g.count() + ")");
        }
        if (g.reschedule() != null) {
            reschedule(job, g.reschedule(), at + ".reschedule");
        }
        meta(g.meta(), at + ".meta");
    }

    /** A network mode as the spec writes it. */
    private static String mode(NetworkMode mode) {
        return "'" + mode.name().toLowerCase(Locale.ROOT) + "'";
    }

    private void task(Task t, String at, Map<String, String> groupPortLabels, Map<Integer, String> groupStatic) {
        if (t.image() == null || t.image().isBlank()) {
            errors.add(at + ".image: required: an image reference such as docker.io/library/busybox:1.36");
        } else if (!IMAGE.matcher(t.image()).matches()) {
            errors.add(at + ".image: '" + t.image() + "' is not an image reference (name[:tag][@digest], "
                    + "lower-case name, no spaces)");
        }
        noNulls(t.command(), at + ".command");
        noNulls(t.args(), at + ".args");
        for (Map.Entry<String, String> e : t.env().entrySet()) {
            if (e.getKey() == null || !ENV_NAME.matcher(e.getKey()).matches()) {
                errors.add(at + ".env." + e.getKey() + ": not a variable name (letters, digits, _; not starting "
                        + "with a digit)");
            } else if (e.getValue() == null) {
                errors.add(at + ".env." + e.getKey() + ": must be a string (write \"\" for empty)");
            }
        }
        Resources r = t.resources();
        if (r.cpuMhz() < 1) {
            errors.add(at + ".resources.cpu_mhz: must be at least 1, was " + r.cpuMhz());
        }
        if (r.memoryMb() < 4) {
            errors.add(at + ".resources.memory_mb: must be at least 4, was " + r.memoryMb());
        }
        if (r.diskMb() < 0) {
            errors.add(at + ".resources.disk_mb: must not be negative, was " + r.diskMb());
        }
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < t.ports().size(); i++) {
            String pat = at + ".ports[" + i + "]";
            Port p = t.ports().get(i);
            if (p == null) {
                errors.add(pat + ": must not be null");
                continue;
            }
            if (p.label() == null || !ENV_NAME.matcher(p.label()).matches()) {
                errors.add(pat + ".label: required: letters, digits and _ (it names BERTH_PORT_<label>), was "
                        + quote(p.label()));
            } else if (groupPortLabels.putIfAbsent(p.label(), pat) != null) {
                errors.add(pat + ".label: '" + p.label() + "' is already used at " + groupPortLabels.get(p.label()));
            } else {
                labels.add(p.label());
            }
            if (p.staticPort() != null) {
                if (p.staticPort() < 1 || p.staticPort() > 65535) {
                    errors.add(pat + ".static: must be a port between 1 and 65535, was " + p.staticPort());
                } else if (groupStatic.putIfAbsent(p.staticPort(), pat) != null) {
                    errors.add(pat + ".static: port " + p.staticPort() + " is already taken at "
                            + groupStatic.get(p.staticPort()));
                }
            }
            if (p.to() != null) {
                if (p.to() < 1 || p.to() > 65535) {
                    errors.add(pat + ".to: must be a port between 1 and 65535, was " + p.to());
                } else if (t.network() == NetworkMode.HOST) {
                    errors.add(pat + ".to: host networking has no port mapping: leave 'to' out");
                }
            }
        }
        if (t.network() == NetworkMode.NONE && !t.ports().isEmpty()) {
            errors.add(at + ".ports: network mode 'none' has no ports: use 'bridge' or 'host', or drop the ports");
        }
        Set<String> destinations = new HashSet<>();
        for (int i = 0; i < t.volumes().size(); i++) {
            volume(t.volumes().get(i), at + ".volumes[" + i + "]", destinations);
        }
        Set<String> checkNames = new HashSet<>();
        for (int i = 0; i < t.checks().size(); i++) {
            check(t.checks().get(i), at + ".checks[" + i + "]", labels, checkNames);
        }
        restart(t.restart(), at + ".restart");
        if (!SIGNALS.contains(t.stopSignal())) {
            errors.add(at + ".stop_signal: '" + t.stopSignal() + "' is not one of " + String.join(", ",
                    new TreeSet<>(SIGNALS)));
        }
        if (t.stopTimeout().compareTo(Duration.ofHours(1)) > 0) {
            errors.add(at + ".stop_timeout: at most 1h, was " + Durations.format(t.stopTimeout()));
        }
        meta(t.meta(), at + ".meta");
    }

    private void volume(Volume v, String at, Set<String> destinations) {
        if (v == null) {
            errors.add(at + ": must not be null");
            return;
        }
        if (v.destination() == null || !v.destination().startsWith("/")) {
            errors.add(at + ".destination: must be an absolute path in the container, was " + quote(v.destination()));
        } else if (!destinations.add(v.destination())) {
            errors.add(at + ".destination: '" + v.destination() + "' is already mounted by another volume");
        }
        if (v.destination() != null && v.destination().contains("..")) {
            errors.add(at + ".destination: must not contain '..'");
        }
        if (v.type() == Volume.Type.BIND) {
            if (v.source() == null || !v.source().startsWith("/") || v.source().contains("..")) {
                errors.add(at + ".source: a bind mount needs an absolute host path without '..', was "
                        + quote(v.source()));
            }
        } else if (v.source() == null || !VOLUME_NAME.matcher(v.source()).matches()) {
            errors.add(at + ".source: a volume needs a name (letters, digits, - _ .), was " + quote(v.source()));
        }
    }

    private void check(HealthCheck c, String at, Set<String> portLabels, Set<String> names) {
        if (c == null) {
            errors.add(at + ": must not be null");
            return;
        }
        if (c.name() != null && !names.add(c.name())) {
            errors.add(at + ".name: another check of the task is already named '" + c.name() + "'");
        }
        if (c.type() == null) {
            errors.add(at + ".type: required: exec, http or tcp");
            return;
        }
        switch (c.type()) {
            case EXEC -> {
                if (c.command().isEmpty() || c.command().get(0) == null || c.command().get(0).isEmpty()) {
                    errors.add(at + ".command: an exec check needs the command to run");
                }
                if (c.port() != null || c.path() != null) {
                    errors.add(at + ": an exec check takes no port or path");
                }
            }
            case HTTP, TCP -> {
                if (c.port() == null) {
                    errors.add(at + ".port: required: the label of one of the task's ports");
                } else if (!portLabels.contains(c.port())) {
                    errors.add(at + ".port: the task has no port labelled '" + c.port() + "' (it has "
                            + (portLabels.isEmpty() ? "none" : String.join(", ", new TreeSet<>(portLabels)))
                            + ")");
                }
                if (c.type() == HealthCheck.Type.HTTP) {
                    if (c.path() == null || !c.path().startsWith("/")) {
                        errors.add(at + ".path: an http check needs a path starting with /, was " + quote(c.path()));
                    }
                    if (!Set.of("GET", "HEAD", "POST", "PUT", "OPTIONS").contains(c.method())) {
                        errors.add(at + ".method: must be GET, HEAD, POST, PUT or OPTIONS, was " + quote(c.method()));
                    }
                } else if (c.path() != null) {
                    errors.add(at + ".path: a tcp check takes no path");
                }
                if (!c.command().isEmpty()) {
                    errors.add(at + ".command: only exec checks run a command");
                }
            }
        }
        if (c.interval().compareTo(Duration.ofSeconds(1)) < 0) {
            errors.add(at + ".interval: must be at least 1s, was " + Durations.format(c.interval()));
        }
        if (c.timeout().isZero()) {
            errors.add(at + ".timeout: must be more than 0");
        } else if (c.timeout().compareTo(c.interval()) > 0) {
            errors.add(at + ".timeout: " + Durations.format(c.timeout()) + " is longer than the interval "
                    + Durations.format(c.interval()));
        }
        if (c.failureThreshold() < 1) {
            errors.add(at + ".failure_threshold: must be at least 1, was " + c.failureThreshold());
        }
    }

    private void restart(RestartPolicy r, String at) {
        if (r.attempts() < 0) {
            errors.add(at + ".attempts: must not be negative, was " + r.attempts());
        }
        if (r.interval().isZero()) {
            errors.add(at + ".interval: must be more than 0");
        }
        if (r.maxDelay().compareTo(r.delay()) < 0) {
            errors.add(at + ".max_delay: " + Durations.format(r.maxDelay()) + " is shorter than the delay "
                    + Durations.format(r.delay()));
        }
    }

    private void constraints(List<Constraint> list, String at) {
        for (int i = 0; i < list.size(); i++) {
            String cat = at + "[" + i + "]";
            Constraint c = list.get(i);
            if (c == null) {
                errors.add(cat + ": must not be null");
                continue;
            }
            switch (c.operator()) {
                case DISTINCT_HOSTS -> {
                    if (c.attribute() != null || c.value() != null) {
                        errors.add(cat + ": distinct_hosts takes no attribute or value");
                    }
                }
                case DISTINCT_PROPERTY -> {
                    attribute(c.attribute(), cat + ".attribute");
                    if (c.value() != null && !c.value().matches("[1-9][0-9]{0,5}")) {
                        errors.add(cat + ".value: distinct_property takes a limit of at least 1, was " + quote(c.value()));
                    }
                }
                case IS_SET, IS_NOT_SET -> {
                    attribute(c.attribute(), cat + ".attribute");
                    if (c.value() != null) {
                        errors.add(cat + ".value: " + c.operator().spelling() + " takes no value");
                    }
                }
                default -> {
                    attribute(c.attribute(), cat + ".attribute");
                    value(c.operator(), c.value(), cat + ".value");
                }
            }
        }
    }

    private void affinities(List<Affinity> list, String at) {
        for (int i = 0; i < list.size(); i++) {
            String aat = at + "[" + i + "]";
            Affinity a = list.get(i);
            if (a == null) {
                errors.add(aat + ": must not be null");
                continue;
            }
            attribute(a.attribute(), aat + ".attribute");
            if (!a.operator().needsValue()) {
                errors.add(aat + ".operator: an affinity compares with a value: use =, !=, regexp, version, "
                        + "set_contains or set_contains_any");
            } else {
                value(a.operator(), a.value(), aat + ".value");
            }
            if (a.weight() == 0 || a.weight() < -100 || a.weight() > 100) {
                errors.add(aat + ".weight: must be between -100 and 100 and not 0, was " + a.weight());
            }
        }
    }

    private void spreads(Job job, List<Spread> list, String at) {
        if (!list.isEmpty() && job.type() == JobType.SYSTEM) {
            errors.add(at + ": a system job runs on every node: spread does not apply");
            return;
        }
        Set<String> attributes = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String sat = at + "[" + i + "]";
            Spread s = list.get(i);
            if (s == null) {
                errors.add(sat + ": must not be null");
                continue;
            }
            if (attribute(s.attribute(), sat + ".attribute") && !attributes.add(s.attribute())) {
                errors.add(sat + ".attribute: '" + s.attribute() + "' is already spread over");
            }
            if (s.weight() < 1 || s.weight() > 100) {
                errors.add(sat + ".weight: must be between 1 and 100, was " + s.weight());
            }
            Set<String> values = new HashSet<>();
            int sum = 0;
            for (int j = 0; j < s.targets().size(); j++) {
                String tat = sat + ".targets[" + j + "]";
                SpreadTarget t = s.targets().get(j);
                if (t == null) {
                    errors.add(tat + ": must not be null");
                    continue;
                }
                if (t.value() == null || t.value().isEmpty()) {
                    errors.add(tat + ".value: required: a value of " + s.attribute());
                } else if (!values.add(t.value())) {
                    errors.add(tat + ".value: '" + t.value() + "' is already a target");
                }
                if (t.percent() == null || t.percent() < 0 || t.percent() > 100) {
                    errors.add(tat + ".percent: must be between 0 and 100, was " + t.percent());
                } else {
                    sum += t.percent();
                }
            }
            if (sum > 100) {
                errors.add(sat + ".targets: the percentages add up to " + sum + ", more than 100");
            }
        }
    }

    private void update(Job job, UpdateStrategy u, TaskGroup g, String at) {
        if (job.type() == JobType.BATCH) {
            errors.add(at + ": batch jobs are not rolled: drop the update strategy");
            return;
        }
        if (u.maxParallel() < 1) {
            errors.add(at + ".max_parallel: must be at least 1, was " + u.maxParallel());
        }
        if (u.healthyDeadline().compareTo(u.minHealthyTime()) <= 0) {
            errors.add(at + ".healthy_deadline: " + Durations.format(u.healthyDeadline()) + " must be longer than "
                    + "min_healthy_time " + Durations.format(u.minHealthyTime()));
        }
        if (u.canary() < 0) {
            errors.add(at + ".canary: must not be negative, was " + u.canary());
        } else if (u.canary() > 0 && job.type() == JobType.SYSTEM) {
            errors.add(at + ".canary: system jobs have no canaries");
        } else if (g != null && u.canary() > g.count()) {
            errors.add(at + ".canary: " + u.canary() + " canaries exceed the group's count " + g.count());
        }
        if (u.autoPromote() && u.canary() <= 0) {
            errors.add(at + ".auto_promote: there is nothing to promote without canaries: set canary");
        }
    }

    private void reschedule(Job job, ReschedulePolicy r, String at) {
        if (job.type() == JobType.SYSTEM) {
            errors.add(at + ": system jobs are not rescheduled (they run on every node): drop the policy");
            return;
        }
        if (r.attempts() != null && r.attempts() < 0) {
            errors.add(at + ".attempts: must not be negative, was " + r.attempts());
        }
        if (Boolean.TRUE.equals(r.unlimited()) && r.attempts() != null && r.attempts() > 0) {
            errors.add(at + ": unlimited and attempts contradict each other: set one");
        }
        ReschedulePolicy effective = ReschedulePolicy.defaults(job.type()).overriddenBy(r);
        if (!effective.unlimited() && effective.attempts() > 0 && effective.interval().isZero()) {
            errors.add(at + ".interval: needed with attempts: the window the attempts are counted in");
        }
        if (effective.delay().compareTo(Duration.ofSeconds(1)) < 0 && (effective.unlimited() || effective.attempts() > 0)) {
            errors.add(at + ".delay: must be at least 1s, was " + Durations.format(effective.delay()));
        }
        if (effective.delayFunction() != ReschedulePolicy.DelayFunction.CONSTANT
                && effective.maxDelay().compareTo(effective.delay()) < 0) {
            errors.add(at + ".max_delay: " + Durations.format(effective.maxDelay()) + " is shorter than the delay "
                    + Durations.format(effective.delay()));
        }
    }

    private boolean attribute(String attribute, String at) {
        if (attribute == null || attribute.isEmpty()) {
            errors.add(at + ": required, e.g. attr.arch or meta.rack");
            return false;
        }
        if (!Attributes.isKnown(attribute)) {
            errors.add(at + ": unknown attribute '" + attribute + "': use one of "
                    + String.join(", ", new TreeSet<>(Attributes.FIXED)) + " or meta.<label>");
            return false;
        }
        return true;
    }

    private void value(Operator op, String value, String at) {
        if (value == null || value.isEmpty()) {
            errors.add(at + ": required for operator " + op.spelling());
            return;
        }
        if (op == Operator.REGEXP) {
            try {
                Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                errors.add(at + ": not a regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        } else if (op == Operator.VERSION) {
            try {
                VersionConstraint.parse(value);
            } catch (IllegalArgumentException e) {
                errors.add(at + ": " + e.getMessage());
            }
        }
    }

    private void meta(Map<String, String> meta, String at) {
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                errors.add(at + ": keys must not be empty");
            } else if (e.getValue() == null) {
                errors.add(at + "." + e.getKey() + ": must be a string");
            }
        }
    }

    private void noNulls(List<String> list, String at) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                errors.add(at + "[" + i + "]: must be a string");
            }
        }
    }

    private boolean name(String name, String at) {
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add(at + ": " + nameProblem(name));
            return false;
        }
        return true;
    }

    private static String nameProblem(String name) {
        return name == null ? "required: letters, digits, - _ . (at most 128)"
                : "'" + name + "' is not a name: letters, digits, - _ . (not first), at most 128";
    }

    private static String quote(String s) {
        return s == null ? "nothing" : "'" + s + "'";
    }
}
