import { describe, expect, it } from 'vitest';
import { stronglyConnected } from '../../scripts/check-cycles.js';

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe('the import cycle check', () => {
  it('passes a graph whose arrows all run one way', () => {
    expect(stronglyConnected(graph({ listener: ['service', 'ui'], service: ['port'], ui: ['port'], port: [] }))).toEqual([]);
  });

  it('finds a two-file cycle and a longer one, each once', () => {
    const cycles = stronglyConnected(graph({ builder: ['message'], message: ['builder'], a: ['b'], b: ['c'], c: ['a', 'port'], port: [] }));
    expect(cycles.map((c) => [...c].sort())).toEqual(
      expect.arrayContaining([
        ['builder', 'message'],
        ['a', 'b', 'c'],
      ]),
    );
    expect(cycles).toHaveLength(2);
  });

  it('finds a file that imports itself', () => {
    expect(stronglyConnected(graph({ self: ['self'] }))).toEqual([['self']]);
  });
});
