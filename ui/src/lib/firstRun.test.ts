import { describe, expect, it } from 'vitest';
import { freeName, load, next, resumeAt, save, serverNameFor } from './firstRun';
import type { Home } from './types';

function home(level: Home['status']['level'], backup: boolean): Home {
  return {
    server: 'vps',
    status: { level, reason: '', fix: null },
    address: null,
    release: null,
    update: null,
    last_verified_backup: backup ? { time: '2026-12-01T00:00:00Z', age_hours: 1, offsite: false } : null,
    alerts: [],
    alert_email: null,
    room: null,
    persona: null,
    checklist: [],
    live: false,
    lock: null,
  };
}

class Memory {
  items = new Map<string, string>();
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
}

describe('first run', () => {
  it('names a server after its host, plainly, and never empty', () => {
    expect(serverNameFor(' VPS.example.org ')).toBe('vps.example.org');
    expect(serverNameFor('203.0.113.5')).toBe('203.0.113.5');
    expect(serverNameFor('my host/../x')).toBe('my-host-..-x');
    expect(serverNameFor('---')).toBe('my-server');
    expect(serverNameFor('a'.repeat(100))).toHaveLength(64);
    expect(freeName('vps', ['vps', 'vps-2'])).toBe('vps-3');
    expect(freeName('vps', [])).toBe('vps');
  });

  it('keeps only the step and the server, and starts over from a damaged entry', () => {
    const storage = new Memory();
    expect(load(storage)).toBeNull();
    save(storage, { server: 'vps', step: 'install' });
    expect(load(storage)).toEqual({ server: 'vps', step: 'install' });
    storage.setItem('deskmate.firstRun', '{not json');
    expect(load(storage)).toBeNull();
    storage.setItem('deskmate.firstRun', JSON.stringify({ server: 'vps', step: 'elsewhere' }));
    expect(load(storage)).toBeNull();
    save(storage, null);
    expect(storage.items.size).toBe(0);
  });

  it('resumes where the server says the path stopped', () => {
    expect(resumeAt('trust', home('not_installed', false))).toBe('trust');
    expect(resumeAt('install', home('not_installed', false))).toBe('check');
    expect(resumeAt('install', home('healthy', false))).toBe('backups');
    expect(resumeAt('companion', home('healthy', false))).toBe('backups');
    expect(resumeAt('backups', home('warning', true))).toBe('alerts');
    expect(resumeAt('companion', home('healthy', true))).toBe('companion');
    expect(next('alerts')).toBe('companion');
    expect(next('companion')).toBeNull();
  });
});
