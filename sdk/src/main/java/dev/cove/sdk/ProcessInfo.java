package dev.cove.sdk;

import java.util.List;
import java.util.Map;

/** A process the agent API started and still tracks ({@code commands().list()}). */
public record ProcessInfo(int pid, String tag, String cmd, List<String> args, Map<String, String> envs, String cwd) {}
