// Which pipeline a person means: the default, a forgiving name, a switcher's id, and the
// outcomes that are never guessed (several fit, none fits, none exists, deleted since).

import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/crm/port.js';
import { pickPipeline } from '../../src/services/pick-pipeline.js';
import { stubCrm } from '../helpers/stub-crm.js';

const pipeline = (id: string, name: string, isDefault = false): Pipeline => ({ id, name, order: Number(id), isDefault });
const sales = pipeline('1', 'Sales', true);
const renewals = pipeline('2', 'Renewals');
const resellers = pipeline('3', 'Resellers');
const crmWith = (pipelines: Pipeline[]) => stubCrm('pickPipeline', { listPipelines: async () => pipelines });

describe('pickPipeline', () => {
  it('takes the default pipeline when none is named, else the first', async () => {
    expect(await pickPipeline(crmWith([renewals, sales]), { name: null })).toEqual({
      kind: 'one',
      pipeline: sales,
      all: [renewals, sales],
    });
    expect(await pickPipeline(crmWith([renewals, resellers]), { name: null })).toMatchObject({ kind: 'one', pipeline: renewals });
  });

  it('forgives case and a typo in the name', async () => {
    expect(await pickPipeline(crmWith([sales, renewals]), { name: 'sales' })).toMatchObject({ kind: 'one', pipeline: sales });
    expect(await pickPipeline(crmWith([sales, renewals]), { name: 'Renewlas' })).toMatchObject({ kind: 'one', pipeline: renewals });
  });

  it('never guesses between pipelines the name fits equally', async () => {
    const all = [sales, renewals, resellers];
    expect(await pickPipeline(crmWith(all), { name: 'Re' })).toEqual({
      kind: 'ambiguous',
      name: 'Re',
      candidates: [renewals, resellers],
      all,
    });
  });

  it('says unknown with every pipeline when nothing fits', async () => {
    expect(await pickPipeline(crmWith([sales, renewals]), { name: 'Partners' })).toEqual({
      kind: 'unknown',
      name: 'Partners',
      all: [sales, renewals],
    });
  });

  it('says none when the CRM has no pipeline, and gone when a picked id was deleted', async () => {
    expect(await pickPipeline(crmWith([]), { name: null })).toEqual({ kind: 'none' });
    expect(await pickPipeline(crmWith([sales]), { id: '2' })).toEqual({ kind: 'gone' });
    expect(await pickPipeline(crmWith([sales, renewals]), { id: '2' })).toMatchObject({ kind: 'one', pipeline: renewals });
  });
});
