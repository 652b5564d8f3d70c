// Starts child processes (servers, in-process measurements), pinned to a CPU with taskset when the machine has it.

import { fork, spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** CPU of the servers under test and of the in-process measurements. */
export const SERVER_CPU = 0;
/** CPU of the load generator (this process) and of redis-server. */
export const LOAD_CPU = 1;

/** Whether `taskset` can pin processes here (Linux with util-linux, at least two CPUs). */
export const canPin = spawnSync('taskset', ['-c', String(LOAD_CPU), 'true']).status === 0;

/**
 * The CPUs this process may run on, read when this module loads (before {@link pinSelfToLoadCpu}
 * narrows them): what unpinned children get back, and how many processes may count at once.
 */
export const CPU_COUNT = availableParallelism();
const allCpus = canPin ? /: ([\d,-]+)\s*$/.exec(spawnSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' }).stdout)?.[1] : undefined;

/**
 * Spawns a command on every CPU of {@link CPU_COUNT}, not only on the one this process is pinned
 * to (a child inherits its parent's pinning): for work that counts rather than times, such as
 * valgrind. taskset execs the command in place, so the child's pid is the command's.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} options
 */
export function spawnUnpinned(command, args, options) {
  return allCpus === undefined ? spawn(command, args, options) : spawn('taskset', ['-c', allCpus, command, ...args], options);
}

/** Pins this process (all its threads) to {@link LOAD_CPU}; returns whether it did. */
export function pinSelfToLoadCpu() {
  return canPin && spawnSync('taskset', ['-a', '-p', '-c', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * Forks a Node script on {@link SERVER_CPU} with an IPC channel.
 * @param {string} script path inside bench/, e.g. 'micro.mjs'
 * @param {string[]} args
 * @param {string[]} [nodeFlags] e.g. ['--expose-gc']
 * @returns {import('node:child_process').ChildProcess}
 */
export function forkPinned(script, args, nodeFlags = []) {
  const modulePath = fileURLToPath(new URL(`../${script}`, import.meta.url));
  if (!canPin) return fork(modulePath, args, { execArgv: nodeFlags });
  // fork runs `execPath ...execArgv modulePath ...args`, so taskset can stand in front of node.
  return fork(modulePath, args, { execPath: 'taskset', execArgv: ['-c', String(SERVER_CPU), process.execPath, ...nodeFlags] });
}

/**
 * Waits for the next IPC message of a child, failing if it exits first.
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<any>}
 */
export function firstMessage(child) {
  return new Promise((resolve, reject) => {
    /** @param {unknown} message */
    const onMessage = (message) => {
      child.off('exit', onExit);
      resolve(message);
    };
    /** @param {number | null} code @param {string | null} signal */
    const onExit = (code, signal) => {
      child.off('message', onMessage);
      reject(new Error(`child ${child.spawnargs.join(' ')} exited (${signal ?? code}) before reporting`));
    };
    child.once('message', onMessage).once('exit', onExit);
  });
}

/**
 * @typedef {object} ServerProcess
 * @property {string} name
 * @property {string} origin  e.g. http://127.0.0.1:43210
 * @property {number} pid  the server's process id (node's: taskset execs it in place)
 * @property {() => Promise<number>} cpuMicros  CPU time (user + system) the server process used so far
 * @property {() => Promise<void>} stop
 */

/**
 * Starts `bench/harness/server.mjs` for one variant.
 * @param {string} name  label for error messages
 * @param {Record<string, unknown>} appOptions  passed to createApp (`variant`, `redisUrl`, ...)
 * @param {string[]} [nodeFlags]  e.g. ['--cpu-prof', '--cpu-prof-dir=...']
 * @returns {Promise<ServerProcess>}
 */
export async function startServer(name, appOptions, nodeFlags = []) {
  const child = forkPinned('harness/server.mjs', [JSON.stringify(appOptions)], nodeFlags);
  const { port } = await firstMessage(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    name,
    origin: `http://127.0.0.1:${port}`,
    pid: /** @type {number} */ (child.pid),
    async cpuMicros() {
      const answer = firstMessage(child);
      child.send({ type: 'cpu' });
      return (await answer).micros;
    },
    async stop() {
      if (child.exitCode === null) child.send({ type: 'stop' });
      await exited;
    },
  };
}
